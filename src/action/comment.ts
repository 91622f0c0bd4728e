// One pull-request comment per pull request, found again by the hidden marker it starts with and edited
// on every push. With several environments it holds one section per environment (as the CLI prints
// them), so one marker is enough and the environments never overwrite each other's comment.
import { MARKDOWN_MARKER } from '../render/markdown.js';
import type { GithubApi, IssueComment } from './github-api.js';
import { cutAtLine } from './runner.js';

export { MARKDOWN_MARKER };

/** GitHub refuses a comment body longer than this. */
export const COMMENT_LIMIT = 65_536;

/**
 * The body, cut at a line below GitHub's limit when needed (keeping the footer), with a note that points
 * to the job summary, which holds everything.
 */
export function commentBody(report: string, footer: string, runUrl: string | undefined): string {
  const tail = `\n${footer}`;
  const whole = `${report.trimEnd()}\n${tail}`;
  if (whole.length <= COMMENT_LIMIT) return whole;
  const where = runUrl ? `the [job summary](${runUrl})` : 'the job summary';
  const note = `\n… cut here: the comment would exceed GitHub's ${COMMENT_LIMIT.toLocaleString('en-US')} characters. The whole plan is in ${where}.\n`;
  // Headroom for the fence cutAtLine may add.
  const room = COMMENT_LIMIT - note.length - tail.length - 64;
  return `${cutAtLine(report.slice(0, room))}${note}${tail}`;
}

/** The comment this action wrote before: by a bot (never a person's comment quoting the marker), starting with the marker. */
export function findOwnComment(comments: readonly IssueComment[]): IssueComment | undefined {
  return comments.find((c) => c.userType === 'Bot' && c.body.trimStart().startsWith(MARKDOWN_MARKER));
}

export async function upsertComment(api: GithubApi, issue: number, body: string): Promise<{ action: 'created' | 'updated'; id: number }> {
  const existing = findOwnComment(await api.listComments(issue));
  if (existing) return { action: 'updated', id: (await api.updateComment(existing.id, body)).id };
  return { action: 'created', id: (await api.createComment(issue, body)).id };
}

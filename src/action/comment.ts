// One pull-request comment per pull request, found again by the hidden marker it starts with and edited
// on every push. With several environments it holds one section per environment (as the CLI prints
// them), so one marker is enough and the environments never overwrite each other's comment.
import { MARKDOWN_MARKER } from '../render/markdown.js';
import type { GithubApi, IssueComment } from './github-api.js';
import { cutAtLine, fitsSummary } from './runner.js';

export { MARKDOWN_MARKER };

/** GitHub refuses a comment body longer than this. */
export const COMMENT_LIMIT = 65_536;

/**
 * The body, cut at a line below GitHub's limit when needed (keeping the footer), with a note that points
 * to the job summary, which holds everything (or, for a plan over the summary's 1 MiB, to the job log).
 * `.length` counts UTF-16 units, never fewer than the characters GitHub counts.
 */
export function commentBody(report: string, footer: string, runUrl: string | undefined): string {
  const tail = `\n${footer}`;
  const whole = `${report.trimEnd()}\n${tail}`;
  if (whole.length <= COMMENT_LIMIT) return whole;
  const limit = `the comment would exceed GitHub's ${COMMENT_LIMIT.toLocaleString('en-US')} characters`;
  const link = (what: string): string => (runUrl ? `the [${what}](${runUrl})` : `the ${what}`);
  const note = fitsSummary(report)
    ? `\n… cut here: ${limit}. The whole plan is in ${link('job summary')}.\n`
    : `\n… cut here: ${limit}, and the plan is larger than the job summary's 1 MiB too. The whole plan is in ${link('job log')}.\n`;
  // Headroom for the fence and folds cutAtLine may close; more only for a pathological nesting.
  for (let room = COMMENT_LIMIT - note.length - tail.length - 256; ; room -= 4096) {
    const body = `${cutAtLine(report.slice(0, Math.max(0, room)))}${note}${tail}`;
    if (body.length <= COMMENT_LIMIT || room <= 0) return body;
  }
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

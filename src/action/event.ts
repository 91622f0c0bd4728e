// What the action needs from the workflow run: the repository, the pull request (from the event payload
// at GITHUB_EVENT_PATH) and a link back to the run.
import { readFileSync } from 'node:fs';
import type { Env } from './inputs.js';

export interface PullRequest {
  number: number;
  /** The commit planned; shown in the comment so readers know which push it describes. */
  headSha: string;
  /** Opened from another repository: GitHub gives such runs no secrets and a read-only token. */
  fromFork: boolean;
}

export interface RunContext {
  /** `owner/name`. */
  repository: string;
  pullRequest: PullRequest | undefined;
  /** The workflow run's page, where the job summary is. */
  runUrl: string | undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function repoName(pr: Record<string, unknown>, side: 'head' | 'base'): string | undefined {
  const name = record(record(pr[side])?.['repo'])?.['full_name'];
  return typeof name === 'string' ? name : undefined;
}

/** Pull request events only (`pull_request`, `pull_request_target`); any other event has no comment to keep. */
export function readRunContext(env: Env): RunContext {
  const repository = env['GITHUB_REPOSITORY'] ?? '';
  const server = (env['GITHUB_SERVER_URL'] ?? 'https://github.com').replace(/\/+$/, '');
  const runId = env['GITHUB_RUN_ID'];
  const runUrl = repository && runId ? `${server}/${repository}/actions/runs/${runId}` : undefined;
  let payload: Record<string, unknown> | undefined;
  const path = env['GITHUB_EVENT_PATH'];
  if (path) {
    try {
      payload = record(JSON.parse(readFileSync(path, 'utf8')));
    } catch {
      payload = undefined; // no readable event: nothing to comment on
    }
  }
  const pr = record(payload?.['pull_request']);
  const number = pr?.['number'];
  if (!pr || typeof number !== 'number' || !Number.isInteger(number)) return { repository, pullRequest: undefined, runUrl };
  const sha = record(pr['head'])?.['sha'];
  const head = repoName(pr, 'head');
  const base = repoName(pr, 'base');
  return {
    repository,
    runUrl,
    pullRequest: { number, headSha: typeof sha === 'string' ? sha : '', fromFork: head !== undefined && base !== undefined && head !== base },
  };
}

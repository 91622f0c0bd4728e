// The three GitHub REST calls the comment needs (list, create, update an issue comment), over the same
// node:http(s) client as Nango requests: proxies from HTTPS_PROXY/NO_PROXY, NODE_EXTRA_CA_CERTS, one
// deadline per call, capped answers, never a redirect (the token must not travel to another host).
import { createHttpClient, type Endpoint, type HttpClient } from '../nango/http.js';
import type { Env } from './inputs.js';

export interface IssueComment {
  id: number;
  body: string;
  /** `Bot` for the workflow token's github-actions[bot]; `User` for people (and personal tokens). */
  userType: string;
}

export interface GithubApi {
  listComments(issue: number): Promise<IssueComment[]>;
  createComment(issue: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
  close(): void;
}

export class GithubApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'GithubApiError';
  }
}

const TIMEOUT_MS = 30_000;
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;
const PER_PAGE = 100;
/** 100 pages of 100: far beyond any pull request's comments, and no endless loop on a broken server. */
const MAX_PAGES = 100;

function apiEndpoint(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GithubApiError('env GITHUB_API_URL: not a valid URL', undefined);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new GithubApiError(`env GITHUB_API_URL: must be http(s), not ${parsed.protocol}`, undefined);
  return {
    protocol: parsed.protocol,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80,
    // GitHub Enterprise Server: https://HOST/api/v3
    basePath: parsed.pathname.replace(/\/+$/, ''),
  };
}

function toComment(value: unknown): IssueComment | undefined {
  const c = value as { id?: unknown; body?: unknown; user?: { type?: unknown } | null } | null;
  if (!c || typeof c.id !== 'number') return undefined;
  return { id: c.id, body: typeof c.body === 'string' ? c.body : '', userType: typeof c.user?.type === 'string' ? c.user.type : '' };
}

/** `owner/name` for paths: each part percent-encoded, so no value can add a path segment. */
function repoPath(repository: string): string {
  const [owner, name, ...rest] = repository.split('/');
  if (!owner || !name || rest.length > 0) throw new GithubApiError(`env GITHUB_REPOSITORY: expected owner/name, got "${repository}"`, undefined);
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

export function createGithubApi(options: { apiUrl: string; token: string; repository: string; env: Env }): GithubApi {
  const { token } = options;
  const repo = repoPath(options.repository);
  const http: HttpClient = createHttpClient(apiEndpoint(options.apiUrl), TIMEOUT_MS, options.env);
  const via = http.proxy ? ` via ${http.proxy.display}` : '';
  // The token must never reach a message, even if a server quotes it back.
  const scrub = (text: string): string => (token === '' ? text : text.split(token).join('***'));

  async function call(method: 'GET' | 'POST' | 'PATCH', target: string, body?: unknown): Promise<{ json: unknown; link: string }> {
    const what = `${method} ${target.split('?')[0] ?? target}`;
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'nango-gitops-action',
      authorization: `Bearer ${token}`,
    };
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    let status: number;
    let raw: string;
    let link: string;
    try {
      const head = await http.send({ method, target, headers, body: text, timeoutMs: TIMEOUT_MS, maxBytes: MAX_ANSWER_BYTES });
      status = head.status;
      link = head.headers.get('link') ?? '';
      raw = (await head.body).toString('utf8');
    } catch (err) {
      const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
      throw new GithubApiError(scrub(`GitHub API ${what}${via}: ${reason}`), undefined);
    }
    let json: unknown;
    try {
      json = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      json = undefined;
    }
    if (status < 200 || status > 299) {
      const message = (json as { message?: unknown } | undefined)?.message;
      const detail = typeof message === 'string' ? `: ${message.replace(/[\r\n]+/g, ' ').slice(0, 300)}` : '';
      throw new GithubApiError(scrub(`GitHub API ${what} answered ${status}${detail}`), status);
    }
    return { json, link };
  }

  function single(json: unknown, what: string): IssueComment {
    const comment = toComment(json);
    if (!comment) throw new GithubApiError(`GitHub API ${what}: the answer is not a comment`, undefined);
    return comment;
  }

  return {
    async listComments(issue) {
      const comments: IssueComment[] = [];
      // Page numbers rather than the Link header's URLs: the token only ever goes to GITHUB_API_URL.
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { json, link } = await call('GET', `${repo}/issues/${issue}/comments?per_page=${PER_PAGE}&page=${page}`);
        if (!Array.isArray(json)) throw new GithubApiError('GitHub API GET comments: the answer is not a list', undefined);
        for (const item of json) {
          const comment = toComment(item);
          if (comment) comments.push(comment);
        }
        if (!/\brel="next"/.test(link) || json.length === 0) break;
      }
      return comments;
    },
    async createComment(issue, body) {
      return single((await call('POST', `${repo}/issues/${issue}/comments`, { body })).json, 'POST comment');
    },
    async updateComment(id, body) {
      return single((await call('PATCH', `${repo}/issues/comments/${id}`, { body })).json, 'PATCH comment');
    },
    close: () => http.close(),
  };
}

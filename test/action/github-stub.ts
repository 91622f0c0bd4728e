// A stand-in for the part of GitHub's REST API the action calls (issue comments: list with Link
// pagination, create, update), on loopback, recording every request with its headers and body.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
}

export interface StubRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface GithubStub {
  url: string;
  requests: StubRequest[];
  /** Comments per issue number, in creation order. */
  comments: Map<number, StubComment[]>;
  /** Adds a comment as if someone had written it earlier. */
  add(issue: number, body: string, type?: 'Bot' | 'User'): StubComment;
  /** Answer every write with this status (403: a read-only token), quoting the Authorization header back. */
  refuseWrites(status: number | undefined): void;
  close(): Promise<void>;
}

export const STUB_REPOSITORY = 'acme/integrations';

export async function startGithubStub(token: string): Promise<GithubStub> {
  const comments = new Map<number, StubComment[]>();
  const requests: StubRequest[] = [];
  let nextId = 1000;
  let writeStatus: number | undefined;
  const byId = (id: number): StubComment | undefined => [...comments.values()].flat().find((c) => c.id === id);
  const add = (issue: number, body: string, type: 'Bot' | 'User' = 'Bot'): StubComment => {
    const comment: StubComment = { id: nextId++, body, user: type === 'Bot' ? { login: 'github-actions[bot]', type } : { login: 'octocat', type } };
    comments.set(issue, [...(comments.get(issue) ?? []), comment]);
    return comment;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const send = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' });
      const url = new URL(req.url ?? '/', 'http://stub');
      const prefix = `/repos/${STUB_REPOSITORY}`;
      const list = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(url.pathname);
      const edit = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(url.pathname);
      if (list && req.method === 'GET') {
        const all = comments.get(Number(list[1])) ?? [];
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const items = all.slice((page - 1) * perPage, page * perPage);
        const next: Record<string, string> = page * perPage < all.length ? { link: `<http://stub${prefix}/issues/${list[1]}/comments?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
        return send(200, items, next);
      }
      // Quotes the credentials back, as some servers and proxies do: the action must not print them.
      if (writeStatus !== undefined && req.method !== 'GET') return send(writeStatus, { message: `Resource not accessible by integration (got ${req.headers.authorization ?? ''})` });
      if (list && req.method === 'POST') return send(201, add(Number(list[1]), (JSON.parse(body) as { body: string }).body));
      if (edit && req.method === 'PATCH') {
        const comment = byId(Number(edit[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        comment.body = (JSON.parse(body) as { body: string }).body;
        return send(200, comment);
      }
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    comments,
    add,
    refuseWrites: (status) => {
      writeStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

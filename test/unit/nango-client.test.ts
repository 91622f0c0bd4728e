import { afterEach, describe, expect, it } from 'vitest';

import { createNangoClient, type ClientOptions, type ResponseEvent } from '../../src/nango/client.js';
import { RateLimitPacer } from '../../src/nango/pacer.js';
import { createRedactor } from '../../src/redact.js';
import { apiIntegration, notFound, startFakeServer, type FakeServer, type RecordedRequest, type Reply, failure } from './nango-fake-server.js';

const SECRET = '3f1c9a2e-7b4d-4e8f-9a6b-2c5d8e1f0a7b';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: (req: RecordedRequest, index: number) => Reply | Promise<Reply>): Promise<FakeServer> {
  server = await startFakeServer(handler);
  return server;
}

/** A client whose waits are recorded and advance a fake clock shared with its pacer: tests never sleep. */
function testClient(url: string, extra: Partial<ClientOptions> = {}) {
  const clock = { now: 1_700_000_000_000 };
  const delays: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    delays.push(ms);
    clock.now += ms;
  };
  const events: ResponseEvent[] = [];
  const client = createNangoClient({
    host: `${url}/`,
    secretKey: SECRET,
    sleep,
    random: () => 0.5,
    pacer: new RateLimitPacer({ now: () => clock.now, sleep, random: () => 0 }),
    onResponse: (e) => events.push(e),
    ...extra,
  });
  return { client, delays, events };
}

const listOk: Reply = { status: 200, json: { data: [apiIntegration('slack-prod')] } };

describe('requests', () => {
  it('encodes unique keys with spaces, @ and : in every path and sends both includes', async () => {
    const key = 'my key@team:prod';
    const s = await serve((req) => {
      if (req.method === 'DELETE') return { status: 200, json: { success: true } };
      return { status: 200, json: { data: apiIntegration(key) } };
    });
    const { client, events } = testClient(s.url);

    await client.getIntegration(key, ['credentials', 'webhook']);
    await client.updateIntegration(key, { display_name: 'Team' });
    await client.deleteIntegration(key);

    const encoded = '/integrations/my%20key%40team%3Aprod';
    const first = new URL(s.requests[0]!.url, 'http://x');
    expect(first.pathname).toBe(encoded);
    expect(first.searchParams.getAll('include[]')).toEqual(['credentials', 'webhook']);
    expect(s.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([`GET ${encoded}`, `PATCH ${encoded}`, `DELETE ${encoded}`]);
    // Metrics labels stay bounded: the route never carries the key.
    expect(events.map((e) => e.route)).toEqual(['/integrations/:key', '/integrations/:key', '/integrations/:key']);
  });

  it('sends each read with its own include list, however many reads came before', async () => {
    const s = await serve(() => ({ status: 200, json: { data: apiIntegration('slack-prod') } }));
    const { client } = testClient(s.url);
    await client.getIntegration('slack-prod', ['credentials', 'webhook']);
    await client.getIntegration('slack-prod', []);
    await client.getIntegration('slack-prod', ['credentials']);
    await client.getIntegration('slack-prod', ['credentials', 'webhook']);
    expect(s.requests.map((r) => r.url)).toEqual([
      '/integrations/slack-prod?include%5B%5D=credentials&include%5B%5D=webhook',
      '/integrations/slack-prod',
      '/integrations/slack-prod?include%5B%5D=credentials',
      '/integrations/slack-prod?include%5B%5D=credentials&include%5B%5D=webhook',
    ]);
  });

  it('sends bearer auth and JSON bodies, and strips the trailing slash of the host', async () => {
    const s = await serve(() => ({ status: 200, json: { data: apiIntegration('slack-prod') } }));
    const { client } = testClient(s.url);
    await client.createIntegration({ provider: 'slack', unique_key: 'slack-prod', display_name: 'Slack' });
    const req = s.requests[0]!;
    expect(req.url).toBe('/integrations');
    expect(req.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ provider: 'slack', unique_key: 'slack-prod', display_name: 'Slack' });
  });

  it('does not send a body or content type on GET', async () => {
    const s = await serve(() => listOk);
    const { client } = testClient(s.url);
    await client.listIntegrations();
    expect(s.requests[0]!.headers['content-type']).toBeUndefined();
    expect(s.requests[0]!.body).toBe('');
  });

  it('counts connections with integrationId and limit', async () => {
    const s = await serve(() => ({ status: 200, json: { connections: [{ id: 1 }, { id: 2 }, { id: 3 }] } }));
    const { client, events } = testClient(s.url);
    expect(await client.countConnections('my key', 5000)).toBe(3);
    const url = new URL(s.requests[0]!.url, 'http://x');
    expect(url.pathname).toBe('/connections');
    expect(url.searchParams.get('integrationId')).toBe('my key');
    expect(url.searchParams.get('limit')).toBe('2000');
    expect(events[0]!.route).toBe('/connections');
  });

  it('returns null for a JSON 404 on GET', async () => {
    const s = await serve(() => notFound('gone'));
    const { client } = testClient(s.url);
    expect(await client.getIntegration('gone', [])).toBeNull();
    expect(s.requests[0]!.url).toBe('/integrations/gone');
  });
});

describe('retries', () => {
  it('retries a 500 and succeeds', async () => {
    const s = await serve((_req, i) => (i === 0 ? { status: 500, json: { error: { code: 'server_error' } } } : listOk));
    const { client, events, delays } = testClient(s.url);
    expect((await client.listIntegrations()).map((i) => i.unique_key)).toEqual(['slack-prod']);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
    // Full jitter over the base (500 ms) with random() = 0.5.
    expect(delays).toEqual([250]);
  });

  it('retries a 503 HTML page from a proxy', async () => {
    const s = await serve((_req, i) =>
      i === 0 ? { status: 503, text: '<html><body>Service Unavailable</body></html>', contentType: 'text/html' } : listOk,
    );
    const { client } = testClient(s.url);
    await client.listIntegrations();
    expect(s.requests).toHaveLength(2);
  });

  it('retries after a connection reset', async () => {
    const s = await serve((_req, i) => (i === 0 ? 'reset' : listOk));
    const { client, events } = testClient(s.url);
    await client.listIntegrations();
    expect(events.map((e) => e.status)).toEqual([undefined, 200]);
  });

  it('retries after a timeout', async () => {
    const s = await serve((_req, i) => (i === 0 ? 'hang' : listOk));
    const { client, events } = testClient(s.url, { timeoutMs: 150 });
    await client.listIntegrations();
    expect(events.map((e) => e.status)).toEqual([undefined, 200]);
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('backs off exponentially, capped at 30 s, and gives up after maxRetries', async () => {
    const s = await serve(() => ({ status: 502, json: { error: { code: 'server_error', message: 'bad gateway' } } }));
    const { client, delays } = testClient(s.url, { maxRetries: 8, random: () => 1 });
    const error = await failure(client.listIntegrations());
    expect(s.requests).toHaveLength(9);
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(error.status).toBe(502);
    expect(error.message).toBe('GET /integrations failed (502 server_error) after 9 attempts: bad gateway');
  });

  it('honours Retry-After: 1', async () => {
    const s = await serve((_req, i) =>
      i === 0 ? { status: 429, json: { error: { code: 'too_many_request' } }, headers: { 'Retry-After': '1' } } : listOk,
    );
    const { client, delays } = testClient(s.url, { random: () => 0 });
    await client.listIntegrations();
    expect(s.requests).toHaveLength(2);
    expect(delays[0]).toBe(1000);
    expect(delays.reduce((a, b) => a + b, 0)).toBeLessThan(1400);
  });

  it('honours Retry-After: 0 with a short pause, not a busy loop', async () => {
    const s = await serve((_req, i) =>
      i < 2 ? { status: 429, json: { error: { code: 'too_many_request' } }, headers: { 'Retry-After': '0' } } : listOk,
    );
    const { client, delays } = testClient(s.url, { random: () => 0 });
    await client.listIntegrations();
    expect(s.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(5);
      expect(d).toBeLessThan(200);
    }
  });

  it('caps an absurd Retry-After at 60 s', async () => {
    const s = await serve((_req, i) =>
      i === 0 ? { status: 429, json: { error: { code: 'too_many_request' } }, headers: { 'Retry-After': '3600' } } : listOk,
    );
    const { client, delays } = testClient(s.url, { random: () => 0 });
    await client.listIntegrations();
    expect(delays[0]).toBe(60_000);
  });

  it('does not retry a 400 and explains it from errors[]', async () => {
    const s = await serve(() => ({
      status: 400,
      json: { error: { code: 'invalid_body', errors: [{ code: 'invalid_string', message: 'Invalid provider', path: ['provider'] }] } },
    }));
    const { client } = testClient(s.url);
    const error = await failure(client.createIntegration({ provider: 'nope', unique_key: 'x' }));
    expect(s.requests).toHaveLength(1);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_body');
    expect(error.message).toBe('POST /integrations failed (400 invalid_body): provider: Invalid provider');
  });

  it('uses error.message for business-rule 400s', async () => {
    const s = await serve(() => ({
      status: 400,
      json: { error: { code: 'invalid_body', message: "Can't rename an integration with active connections" } },
    }));
    const { client } = testClient(s.url);
    const error = await failure(client.updateIntegration('a b', { unique_key: 'c' }));
    expect(s.requests).toHaveLength(1);
    expect(error.message).toBe("PATCH /integrations/a b failed (400 invalid_body): Can't rename an integration with active connections");
    expect(error.path).toBe('/integrations/a%20b');
  });

  it('explains a host that never answers', async () => {
    const s = await serve(() => 'reset');
    const { client } = testClient(s.url, { maxRetries: 1 });
    const error = await failure(client.listIntegrations());
    expect(s.requests).toHaveLength(2);
    expect(error.status).toBeUndefined();
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(new RegExp(`^GET /integrations: no answer from NANGO_HOST \\(${s.url}\\) after 2 attempts: `));
  });
});

describe('idempotent writes after a lost answer', () => {
  it('create: a retry that finds the key taken by the same provider returns it, no duplicate', async () => {
    const store = new Map<string, Record<string, unknown>>();
    const s = await serve((req) => {
      if (req.method === 'POST') {
        const body = JSON.parse(req.body) as { unique_key: string; provider: string };
        if (store.has(body.unique_key)) {
          return {
            status: 400,
            json: { error: { code: 'invalid_body', errors: [{ code: 'invalid_string', message: 'Unique key already exists', path: ['uniqueKey'] }] } },
          };
        }
        store.set(body.unique_key, apiIntegration(body.unique_key, body.provider));
        return 'reset'; // applied, answer lost
      }
      const found = store.get(decodeURIComponent(req.url.split('?')[0]!.slice('/integrations/'.length)));
      return found ? { status: 200, json: { data: found } } : notFound('x');
    });
    const { client } = testClient(s.url);
    const created = await client.createIntegration({ provider: 'slack', unique_key: 'slack prod' });
    expect(created.unique_key).toBe('slack prod');
    expect(created.provider).toBe('slack');
    expect(store.size).toBe(1);
    expect(s.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
  });

  it('create: a retry that finds the key taken by another provider is a clear error', async () => {
    const s = await serve((req, i) => {
      if (req.method === 'GET') return { status: 200, json: { data: apiIntegration('slack-prod', 'github') } };
      if (i === 0) return { status: 503, json: { error: { code: 'server_error' } } };
      return {
        status: 400,
        json: { error: { code: 'invalid_body', errors: [{ code: 'invalid_string', message: 'Unique key already exists', path: ['uniqueKey'] }] } },
      };
    });
    const { client } = testClient(s.url);
    const error = await failure(client.createIntegration({ provider: 'slack', unique_key: 'slack-prod' }));
    expect(error.message).toBe('POST /integrations: a retry found unique key slack-prod already taken by provider github, not slack');
  });

  it('create: a duplicate key on the first attempt is a duplicate_unique_key error without a read-back (apply resolves it)', async () => {
    const s = await serve(() => ({
      status: 400,
      json: { error: { code: 'invalid_body', errors: [{ code: 'invalid_string', message: 'Unique key already exists', path: ['uniqueKey'] }] } },
    }));
    const { client } = testClient(s.url);
    const error = await failure(client.createIntegration({ provider: 'slack', unique_key: 'slack-prod' }));
    expect(error.message).toBe('POST /integrations failed (400 invalid_body): uniqueKey: Unique key already exists');
    expect(error.code).toBe('duplicate_unique_key');
    expect(s.requests).toHaveLength(1);
  });

  function renameServer(provider: string) {
    const store = new Map<string, Record<string, unknown>>([['old', apiIntegration('old', provider)]]);
    return (req: RecordedRequest): Reply => {
      const key = decodeURIComponent(req.url.split('?')[0]!.slice('/integrations/'.length));
      const found = store.get(key);
      if (!found) return notFound(key);
      if (req.method === 'GET') return { status: 200, json: { data: found } };
      const body = JSON.parse(req.body) as { unique_key: string };
      store.delete(key);
      store.set(body.unique_key, { ...found, unique_key: body.unique_key });
      return 'reset';
    };
  }

  it('rename: a retry that gets 404 for the old key finds the new key and succeeds', async () => {
    const s = await serve(renameServer('slack'));
    const { client } = testClient(s.url);
    const renamed = await client.updateIntegration('old', { unique_key: 'new key' }, { provider: 'slack' });
    expect(renamed.unique_key).toBe('new key');
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /integrations/old', 'PATCH /integrations/old', 'GET /integrations/new%20key']);
  });

  it('rename: the new key held by another provider is not taken as success', async () => {
    const s = await serve(renameServer('github'));
    const { client } = testClient(s.url);
    const error = await failure(client.updateIntegration('old', { unique_key: 'new' }, { provider: 'slack' }));
    expect(error.status).toBe(404);
  });

  it('update: a 404 on the first attempt is an error', async () => {
    const s = await serve(() => notFound('old'));
    const { client } = testClient(s.url);
    const error = await failure(client.updateIntegration('old', { unique_key: 'new' }));
    expect(error.status).toBe(404);
    expect(error.message).toBe('PATCH /integrations/old failed (404 not_found): Integration "old" does not exist');
    expect(s.requests).toHaveLength(1);
  });

  it('delete: a 404 on a retry is success', async () => {
    const s = await serve((_req, i) => (i === 0 ? 'reset' : { status: 404, json: { error: { code: 'not_found', message: 'Integration does not exist' } } }));
    const { client } = testClient(s.url);
    await expect(client.deleteIntegration('slack-prod')).resolves.toBeUndefined();
    expect(s.requests).toHaveLength(2);
  });

  it('delete: a 404 on the first attempt throws', async () => {
    const s = await serve(() => ({ status: 404, json: { error: { code: 'not_found', message: 'Integration does not exist' } } }));
    const { client } = testClient(s.url);
    const error = await failure(client.deleteIntegration('slack-prod'));
    expect(error.status).toBe(404);
    expect(error.method).toBe('DELETE');
  });
});

describe('answers that are not the Nango API', () => {
  it('a 200 text/html page (the dashboard) is a clear error', async () => {
    const s = await serve(() => ({ status: 200, text: '<!doctype html><html></html>', contentType: 'text/html; charset=utf-8' }));
    const { client } = testClient(s.url);
    const error = await failure(client.listIntegrations());
    expect(error.message).toBe(`NANGO_HOST (${s.url}) did not answer like the Nango API: got text/html for GET /integrations`);
    expect(s.requests).toHaveLength(1);
  });

  it('an HTML 404 on GET is a wrong host, not a missing integration', async () => {
    const s = await serve(() => ({ status: 404, text: '<pre>Cannot GET</pre>', contentType: 'text/html' }));
    const { client } = testClient(s.url);
    const error = await failure(client.getIntegration('slack', []));
    expect(error.message).toBe(`NANGO_HOST (${s.url}) did not answer like the Nango API: got text/html for GET /integrations/slack`);
  });

  it('JSON without the expected shape is a clear error', async () => {
    const s = await serve(() => ({ status: 200, json: { integrations: [] } }));
    const { client } = testClient(s.url);
    const error = await failure(client.listIntegrations());
    expect(error.message).toBe(`NANGO_HOST (${s.url}) did not answer like the Nango API: got an unexpected body for GET /integrations`);
  });

  it('keeps a host path prefix and never prints userinfo', async () => {
    const s = await serve(() => listOk);
    const { client } = testClient(`${s.url}/nango`);
    await client.listIntegrations();
    expect(s.requests[0]!.url).toBe('/nango/integrations');
    expect(() => createNangoClient({ host: 'http://user:pw@example.com', secretKey: SECRET })).toThrow(/user name or password/);
  });
});

describe('authentication and scope errors', () => {
  it('401 is one line', async () => {
    const s = await serve(() => ({
      status: 401,
      json: { error: { message: 'Authentication failed. The provided secret key is not valid.', code: 'unknown_account', payload: {} } },
    }));
    const { client } = testClient(s.url);
    const error = await failure(client.listIntegrations());
    expect(error.message).toBe('authentication failed (unknown_account): check NANGO_SECRET_KEY');
    expect(s.requests).toHaveLength(1);
  });

  it('403 names the missing scope', async () => {
    const s = await serve(() => ({
      status: 403,
      json: { error: { code: 'forbidden', message: 'Insufficient scope. Required: environment:integrations:create' } },
    }));
    const { client } = testClient(s.url);
    const error = await failure(client.createIntegration({ provider: 'slack', unique_key: 'a' }));
    expect(error.message).toBe('the secret key lacks the scope environment:integrations:create');
    expect(error.status).toBe(403);
  });
});

describe('secrets never appear in errors', () => {
  const echo = (req: RecordedRequest): string => `saw ${req.headers.authorization ?? ''} and ${req.body}`;
  const cases: Array<[string, (req: RecordedRequest) => Reply]> = [
    ['400', (req) => ({ status: 400, json: { error: { code: 'invalid_body', message: echo(req) } } })],
    ['400 errors[]', (req) => ({ status: 400, json: { error: { code: 'invalid_body', errors: [{ message: echo(req), path: ['credentials'] }] } } })],
    ['401', (req) => ({ status: 401, json: { error: { code: 'unknown_account', message: echo(req) } } })],
    ['403', (req) => ({ status: 403, json: { error: { code: 'forbidden', message: echo(req) } } })],
    ['500', (req) => ({ status: 500, json: { error: { code: 'server_error', message: echo(req) } } })],
    ['html', (req) => ({ status: 200, text: echo(req), contentType: 'text/html' })],
    ['reset', () => 'reset'],
    ['hang', () => 'hang'],
  ];

  it.each(cases)('%s', async (_name, handler) => {
    const s = await serve(handler);
    const clientSecret = 'cs-very-secret-value';
    const { client } = testClient(s.url, {
      maxRetries: 1,
      timeoutMs: 100,
      redactor: createRedactor([clientSecret]),
    });
    const error = await failure(
      client.createIntegration({
        provider: 'slack',
        unique_key: 'slack-prod',
        credentials: { type: 'OAUTH2', client_id: 'id', client_secret: clientSecret, scopes: 'chat:write' },
      }),
    );
    const everything = `${error.message} ${error.stack ?? ''} ${JSON.stringify(error)} ${String(error.code)} ${error.path}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(clientSecret);
  });
});

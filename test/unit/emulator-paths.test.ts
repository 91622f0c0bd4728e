// The emulator routes on the raw request path like Express: no `.`/`..` resolution (also not of %2E),
// and each path parameter percent-decoded on its own. Sent with node:http, since fetch would resolve the
// dot segments before they leave.
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

function send(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emu.url}/`, { method, path, headers: { authorization: `Bearer ${DEFAULT_SECRET_KEY}` } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('emulator paths', () => {
  it('reads and deletes `.` and `..` by their encoded names, and never resolves dot segments', async () => {
    emu.seed(['.', '..', 'a'].map((key) => ({ unique_key: key, provider: 'posthog' })));
    expect(JSON.parse((await send('GET', '/integrations/%2E')).body)).toMatchObject({ data: { unique_key: '.' } });
    expect(JSON.parse((await send('GET', '/integrations/%2e%2E')).body)).toMatchObject({ data: { unique_key: '..' } });
    // A literal `..` is a key too, as in Express; `/integrations/a/..` is no route at all.
    expect(JSON.parse((await send('GET', '/integrations/..')).body)).toMatchObject({ data: { unique_key: '..' } });
    expect((await send('DELETE', '/integrations/a/..')).status).toBe(404);
    expect((await send('DELETE', '/integrations/%2E%2E')).status).toBe(200);
    expect(emu.integrations().map((i) => i.unique_key).sort()).toEqual(['.', 'a']);
    expect(emu.requests.map((r) => r.path)).toEqual(['/integrations/%2E', '/integrations/%2e%2E', '/integrations/..', '/integrations/a/..', '/integrations/%2E%2E']);
  });

  it('decodes each segment once: %2F stays inside the key, %252E is the key `%2E`', async () => {
    emu.seed([{ unique_key: 'a', provider: 'posthog' }]);
    const slash = await send('DELETE', '/integrations/a%2Fb');
    expect(slash.status).toBe(400);
    expect(JSON.parse(slash.body)).toMatchObject({ error: { code: 'invalid_uri_params' } });
    expect((await send('DELETE', '/integrations/%252E')).status).toBe(400);
    expect((await send('GET', '/integrations/%E0%A4%A')).status).toBe(400);
    expect(emu.integrations().map((i) => i.unique_key)).toEqual(['a']);
  });
});

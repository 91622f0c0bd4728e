import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_SECRET_KEY, startEmulator, scopesWithout } from '../emulator/server.js';
import { MonotonicClock } from '../emulator/state.js';
import type { Emulator, EmulatorOptions, FaultKind } from '../emulator/server.js';

const PRIVATE_KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----';
const OTHER_KEY = '0f6c2a1e-7d3b-4c5a-9e8f-1a2b3c4d5e6f';
const NO_CREDENTIALS_KEY = '3a2b1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
const READ_ONLY_KEY = '5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f';
const ALL_SCOPES_BUT_READ_CREDENTIALS = scopesWithout('environment:integrations:read_credentials');

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

function client(emulator: () => Emulator) {
  return async (method: string, path: string, options: { body?: unknown; key?: string | null; headers?: Record<string, string>; rawBody?: string } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? DEFAULT_SECRET_KEY : options.key;
    if (key !== null) headers['authorization'] = `Bearer ${key}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${emulator().url}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    if ((response.headers.get('content-type') ?? '').includes('application/json')) json = JSON.parse(text) as unknown;
    return { status: response.status, headers: response.headers, text, json };
  };
}

/** Reads a nested field of a JSON answer (undefined when any step is missing). */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

const oauth2 = (extra: Record<string, unknown> = {}) => ({ type: 'OAUTH2', client_id: 'id-1', client_secret: 'secret-1', ...extra });

describe('emulator: integrations API', () => {
  let emu: Emulator;
  const call = client(() => emu);

  beforeAll(async () => {
    emu = await startEmulator({
      keys: [
        { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
        { secretKey: OTHER_KEY, environment: 'prod' },
        { secretKey: NO_CREDENTIALS_KEY, environment: 'dev', scopes: ALL_SCOPES_BUT_READ_CREDENTIALS },
        { secretKey: READ_ONLY_KEY, environment: 'dev', scopes: ['environment:integrations:list', 'environment:integrations:read'] },
      ],
    });
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
  });

  describe('auth', () => {
    it('answers 401 with the code for each kind of bad key, without rate-limit headers', async () => {
      const missing = await call('GET', '/integrations', { key: null });
      expect(missing.status).toBe(401);
      expect(at(missing.json, 'error')).toMatchObject({ code: 'missing_auth_header', payload: {} });
      expect(at(missing.json, 'error', 'message')).toMatch(/^Authentication failed\./);
      expect(missing.headers.get('x-ratelimit-limit')).toBeNull();

      const malformed = await call('GET', '/integrations', { key: 'not-a-uuid' });
      expect(malformed.status).toBe(401);
      expect(at(malformed.json, 'error', 'code')).toBe('invalid_secret_key_format');
      expect(malformed.text).not.toContain('not-a-uuid');

      const unknown = await call('GET', '/integrations', { key: '11111111-2222-4333-8444-555555555555' });
      expect(unknown.status).toBe(401);
      expect(at(unknown.json, 'error', 'code')).toBe('unknown_account');
    });

    it('refuses a write the key has no scope for', async () => {
      const refused = await call('POST', '/integrations', { key: READ_ONLY_KEY, body: { provider: 'openai', unique_key: 'x' } });
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ error: { code: 'forbidden', message: 'Insufficient scope. Required: environment:integrations:create' } });
      expect(emu.integrations()).toEqual([]);
      expect(emu.writes()).toEqual([]);
    });

    it('keeps environments apart: the key selects the environment', async () => {
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
      const prod = await call('GET', '/integrations', { key: OTHER_KEY });
      expect(prod.json).toEqual({ data: [] });
      expect(emu.integrations('prod')).toEqual([]);
      expect(emu.integration('ai')?.provider).toBe('openai');
      expect(emu.requests.at(-1)?.environment).toBe('prod');
    });
  });

  describe('create', () => {
    it('applies the defaults and answers 200 without credentials', async () => {
      const created = await call('POST', '/integrations', { body: { provider: 'slack', unique_key: 'slack-main', credentials: oauth2() } });
      expect(created.status).toBe(200);
      expect(at(created.json, 'data')).toEqual({
        unique_key: 'slack-main',
        provider: 'slack',
        display_name: 'Slack',
        logo: 'https://app.nango.dev/images/template-logos/slack.svg',
        forward_webhooks: true,
        created_at: expect.any(String),
        updated_at: at(created.json, 'data', 'created_at'),
      });
      expect(Object.keys(at(created.json, 'data') as object)).toEqual(['unique_key', 'provider', 'display_name', 'logo', 'forward_webhooks', 'created_at', 'updated_at']);
      expect(emu.integration('slack-main')?.credentials).toEqual({ ...oauth2(), scopes: null, webhook_secret: null });
    });

    it("stores the provider's default scopes when none are sent, and \"\" as no scopes", async () => {
      await call('POST', '/integrations', { body: { provider: 'brex', unique_key: 'brex', credentials: oauth2() } });
      expect(emu.integration('brex')?.credentials?.['scopes']).toBe('openid,offline_access');
      await call('POST', '/integrations', { body: { provider: 'brex', unique_key: 'brex-2', credentials: oauth2({ scopes: '' }) } });
      expect(emu.integration('brex-2')?.credentials?.['scopes']).toBeNull();
    });

    it('stores integration_config and custom but never returns them', async () => {
      const created = await call('POST', '/integrations', {
        body: { provider: 'openai', unique_key: 'ai', display_name: 'AI', forward_webhooks: false, integration_config: { region: 'eu' }, custom: { a: 'b' } },
      });
      expect(created.status).toBe(200);
      expect(at(created.json, 'data')).toMatchObject({ display_name: 'AI', forward_webhooks: false });
      expect(created.text).not.toContain('region');
      const got = await call('GET', '/integrations/ai?include[]=credentials');
      expect(got.text).not.toContain('region');
      expect(at(got.json, 'data', 'credentials')).toBeNull();
      expect(emu.integration('ai')).toMatchObject({ integration_config: { region: 'eu' }, custom: { a: 'b' } });
    });

    it('refuses a duplicate key', async () => {
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
      const duplicate = await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
      expect(duplicate.status).toBe(400);
      expect(duplicate.json).toEqual({
        error: { code: 'invalid_body', errors: [{ code: 'invalid_string', message: 'Unique key already exists', path: ['uniqueKey'] }] },
      });
    });

    it('refuses an unknown provider', async () => {
      const refused = await call('POST', '/integrations', { body: { provider: 'no-such-provider', unique_key: 'x' } });
      expect(refused.status).toBe(400);
      expect(at(refused.json, 'error', 'code')).toBe('invalid_body');
      expect(at(refused.json, 'error', 'errors', 0)).toEqual({ code: 'invalid_string', message: 'Invalid provider', path: ['provider'] });
    });

    it('requires credentials for OAUTH1/OAUTH2/APP/CUSTOM providers but not for TBA', async () => {
      for (const provider of ['slack', 'twitter', 'github-app', 'github-app-oauth']) {
        const refused = await call('POST', '/integrations', { body: { provider, unique_key: provider } });
        expect(refused.status, provider).toBe(400);
        expect(refused.json, provider).toEqual({ error: { code: 'invalid_body', message: 'Missing credentials' } });
      }
      const tba = await call('POST', '/integrations', { body: { provider: 'netsuite-tba', unique_key: 'ns' } });
      expect(tba.status).toBe(200);
      const got = await call('GET', '/integrations/ns?include[]=credentials');
      expect(at(got.json, 'data', 'credentials')).toEqual({ type: 'TBA', client_id: null, client_secret: null, scopes: null, webhook_secret: null });
    });

    it('refuses credentials whose type is not the provider auth mode, including for providers that take none', async () => {
      const wrongType = await call('POST', '/integrations', {
        body: { provider: 'slack', unique_key: 's', credentials: { type: 'APP', app_id: '1', app_link: 'l', private_key: PRIVATE_KEY } },
      });
      expect(wrongType.json).toEqual({ error: { code: 'invalid_body', message: 'incompatible credentials auth type and provider auth' } });
      const noneTaken = await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai', credentials: oauth2() } });
      expect(noneTaken.status).toBe(400);
      expect(at(noneTaken.json, 'error', 'message')).toBe('incompatible credentials auth type and provider auth');
      expect(emu.integrations()).toEqual([]);
    });

    it('validates the body like the server (strict keys, key pattern, scopes pattern, PEM ends) without echoing values', async () => {
      const refused = await call('POST', '/integrations', {
        body: {
          provider: 'slack',
          unique_key: 'bad/key',
          extra: 1,
          credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'hunter2-secret', scopes: 'a b', other: true },
        },
      });
      expect(refused.status).toBe(400);
      expect(at(refused.json, 'error', 'code')).toBe('invalid_body');
      const errors = at(refused.json, 'error', 'errors');
      expect(errors).toContainEqual(expect.objectContaining({ code: 'invalid_string', path: ['unique_key'] }));
      expect(errors).toContainEqual(expect.objectContaining({ path: ['credentials', 'scopes'] }));
      expect(errors).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys', path: ['credentials'] }));
      expect(errors).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys', path: [] }));
      expect(refused.text).not.toContain('hunter2-secret');

      const trailingNewline = await call('POST', '/integrations', {
        body: { provider: 'github-app', unique_key: 'gh', credentials: { type: 'APP', app_id: '1', app_link: 'https://x', private_key: `${PRIVATE_KEY}\n` } },
      });
      expect(trailingNewline.status).toBe(400);
      expect(at(trailingNewline.json, 'error', 'errors')).toEqual([
        { code: 'invalid_string', message: 'Invalid input: must end with "-----END RSA PRIVATE KEY-----"', path: ['credentials', 'private_key'] },
      ]);
      const app = await call('POST', '/integrations', {
        body: { provider: 'github-app', unique_key: 'gh', credentials: { type: 'APP', app_id: '1', app_link: 'https://x', private_key: PRIVATE_KEY } },
      });
      expect(app.status).toBe(200);
    });
  });

  describe('read', () => {
    beforeEach(async () => {
      await call('POST', '/integrations', {
        body: { provider: 'slack', unique_key: 'my slack', credentials: oauth2({ scopes: 'chat:write,users:read', webhook_secret: 'wh' }) },
      });
    });

    it('shows credentials in clear text with include[]=credentials, in either query form', async () => {
      const expected = { type: 'OAUTH2', client_id: 'id-1', client_secret: 'secret-1', scopes: 'chat:write,users:read', webhook_secret: 'wh' };
      for (const query of ['include[]=credentials', 'include%5B%5D=credentials', 'include=credentials', 'include=webhook&include=credentials']) {
        const got = await call('GET', `/integrations/my%20slack?${query}`);
        expect(got.status, query).toBe(200);
        expect(at(got.json, 'data', 'credentials'), query).toEqual(expected);
      }
      const plain = await call('GET', '/integrations/my%20slack');
      expect(at(plain.json, 'data')).not.toHaveProperty('credentials');
      expect(at(plain.json, 'data')).not.toHaveProperty('webhook_url');
    });

    it('omits credentials silently for a key without read_credentials', async () => {
      const got = await call('GET', '/integrations/my%20slack?include[]=credentials', { key: NO_CREDENTIALS_KEY });
      expect(got.status).toBe(200);
      expect(at(got.json, 'data')).not.toHaveProperty('credentials');
      expect(at(got.json, 'data', 'unique_key')).toBe('my slack');
    });

    it('adds webhook_url with include[]=webhook, built from a stable environment uuid', async () => {
      const first = await call('GET', '/integrations/my%20slack?include[]=webhook');
      const url = String(at(first.json, 'data', 'webhook_url'));
      expect(url).toMatch(new RegExp(`^${emu.url}/webhook/[0-9a-f-]{36}/my%20slack$`));
      const second = await call('GET', '/integrations/my%20slack?include[]=webhook&include[]=credentials');
      expect(at(second.json, 'data', 'webhook_url')).toBe(url);
      expect(Object.keys(at(second.json, 'data') as object)).toEqual([
        'unique_key', 'provider', 'display_name', 'logo', 'webhook_url', 'credentials', 'forward_webhooks', 'created_at', 'updated_at',
      ]);
    });

    it('answers the not_found shape for a missing key, quoting the decoded key', async () => {
      const missing = await call('GET', '/integrations/no%20such');
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual({ error: { code: 'not_found', message: 'Integration "no such" does not exist' } });
      const patch = await call('PATCH', '/integrations/no%20such', { body: {} });
      expect(patch.json).toEqual({ error: { code: 'not_found', message: 'Integration "no such" does not exist' } });
    });

    it('refuses any query parameter on the list, and never lists credentials', async () => {
      const refused = await call('GET', '/integrations?page=2');
      expect(refused.status).toBe(400);
      expect(at(refused.json, 'error', 'code')).toBe('invalid_query_params');
      const listed = await call('GET', '/integrations');
      expect(at(listed.json, 'data')).toHaveLength(1);
      expect(listed.text).not.toContain('secret-1');
    });

    it('fails the whole list with 500 when a stored integration names an unknown provider', async () => {
      emu.seed([{ unique_key: 'ghost', provider: 'retired-provider' }]);
      const listed = await call('GET', '/integrations');
      expect(listed.status).toBe(500);
      expect(at(listed.json, 'error', 'code')).toBe('generic_error_support');
    });

    it('refuses an unknown include value', async () => {
      const refused = await call('GET', '/integrations/my%20slack?include[]=secrets');
      expect(refused.status).toBe(400);
      expect(at(refused.json, 'error', 'code')).toBe('invalid_query_params');
    });
  });

  describe('update', () => {
    beforeEach(async () => {
      await call('POST', '/integrations', {
        body: { provider: 'slack', unique_key: 'slack', credentials: oauth2({ scopes: 'a,b', webhook_secret: 'wh-1' }) },
      });
    });

    it('takes credentials as a whole object: client_id and client_secret are required', async () => {
      const partial = await call('PATCH', '/integrations/slack', { body: { credentials: { type: 'OAUTH2', scopes: 'c' } } });
      expect(partial.status).toBe(400);
      expect(at(partial.json, 'error', 'errors')).toEqual([
        { code: 'invalid_type', message: 'Required', path: ['credentials', 'client_id'] },
        { code: 'invalid_type', message: 'Required', path: ['credentials', 'client_secret'] },
      ]);
      expect(emu.integration('slack')?.credentials?.['scopes']).toBe('a,b');
    });

    it('keeps omitted scopes and webhook_secret, clears scopes on ""', async () => {
      const rotated = await call('PATCH', '/integrations/slack', { body: { credentials: oauth2({ client_secret: 'secret-2' }) } });
      expect(rotated.status).toBe(200);
      expect(at(rotated.json, 'data')).not.toHaveProperty('credentials');
      expect(emu.integration('slack')?.credentials).toEqual({ type: 'OAUTH2', client_id: 'id-1', client_secret: 'secret-2', scopes: 'a,b', webhook_secret: 'wh-1' });

      await call('PATCH', '/integrations/slack', { body: { credentials: oauth2({ scopes: '' }) } });
      const got = await call('GET', '/integrations/slack?include[]=credentials');
      expect(at(got.json, 'data', 'credentials')).toEqual({ type: 'OAUTH2', client_id: 'id-1', client_secret: 'secret-1', scopes: null, webhook_secret: 'wh-1' });
    });

    it('refuses fields PATCH does not take, such as provider', async () => {
      const refused = await call('PATCH', '/integrations/slack', { body: { provider: 'github' } });
      expect(refused.status).toBe(400);
      expect(at(refused.json, 'error')).toEqual({
        code: 'invalid_body',
        errors: [{ code: 'unrecognized_keys', message: "Unrecognized key(s) in object: 'provider'", path: [] }],
      });
    });

    it('bumps updated_at on every PATCH, even {} and two in the same millisecond', async () => {
      const before = emu.integration('slack');
      const first = await call('PATCH', '/integrations/slack', { body: {} });
      const second = await call('PATCH', '/integrations/slack', { body: {} });
      expect(first.status).toBe(200);
      expect(String(at(first.json, 'data', 'updated_at')) > (before?.updated_at ?? '')).toBe(true);
      expect(String(at(second.json, 'data', 'updated_at')) > String(at(first.json, 'data', 'updated_at'))).toBe(true);
      expect(at(second.json, 'data', 'created_at')).toBe(before?.created_at);
      // No body at all reads as {} too.
      const empty = await call('PATCH', '/integrations/slack');
      expect(empty.status).toBe(200);
    });

    it('stamps strictly increasing times even within one millisecond', () => {
      const clock = new MonotonicClock();
      const stamps = Array.from({ length: 50 }, () => clock.nowIso());
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]! > stamps[i - 1]!).toBe(true);
    });

    it('renames in place when there are no connections', async () => {
      const before = emu.integration('slack');
      const renamed = await call('PATCH', '/integrations/slack', { body: { unique_key: 'slack-new', display_name: 'Slack New' } });
      expect(renamed.status).toBe(200);
      expect(at(renamed.json, 'data')).toMatchObject({ unique_key: 'slack-new', display_name: 'Slack New' });
      expect(emu.integration('slack')).toBeUndefined();
      expect(emu.integration('slack-new')).toMatchObject({ id: before?.id, created_at: before?.created_at });
      expect((await call('GET', '/integrations/slack')).status).toBe(404);
    });

    it('refuses to rename with active connections or onto an existing key', async () => {
      emu.setConnections('slack', 2);
      const withConnections = await call('PATCH', '/integrations/slack', { body: { unique_key: 'slack-new' } });
      expect(withConnections.json).toEqual({ error: { code: 'invalid_body', message: "Can't rename an integration with active connections" } });
      emu.setConnections('slack', 0);
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'taken' } });
      const onto = await call('PATCH', '/integrations/slack', { body: { unique_key: 'taken' } });
      expect(onto.json).toEqual({ error: { code: 'invalid_body', message: 'uniqueKey is already used by another integration' } });
      expect(emu.integration('slack')).toBeDefined();
    });
  });

  describe('delete and connections', () => {
    it('deletes the integration with its connections; the key can be created again', async () => {
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
      emu.setConnections('ai', 5);
      const listed = await call('GET', '/connections?integrationId=ai&limit=3');
      expect(at(listed.json, 'connections')).toHaveLength(3);
      expect(at(listed.json, 'connections', 0)).toEqual({
        id: expect.any(Number), connection_id: expect.any(String), provider: 'openai', provider_config_key: 'ai',
        created: expect.any(String), metadata: null, errors: [], end_user: null,
      });
      const deleted = await call('DELETE', '/integrations/ai');
      expect(deleted.status).toBe(200);
      expect(deleted.json).toEqual({ success: true });
      expect((await call('GET', '/connections?integrationId=ai&limit=100')).json).toEqual({ connections: [] });
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
      expect(emu.integration('ai')?.connections).toBe(0);
    });

    it('answers 404 "Integration does not exist" for a missing key', async () => {
      const missing = await call('DELETE', '/integrations/nope');
      expect(missing.status).toBe(404);
      expect(missing.json).toEqual({ error: { code: 'not_found', message: 'Integration does not exist' } });
    });

    it('bounds limit to 1..2000', async () => {
      for (const limit of ['0', '2001', 'ten']) {
        const refused = await call('GET', `/connections?integrationId=x&limit=${limit}`);
        expect(refused.status, limit).toBe(400);
        expect(at(refused.json, 'error', 'code'), limit).toBe('invalid_query_params');
      }
      expect((await call('GET', '/connections?integrationId=x&limit=2000')).status).toBe(200);
    });
  });

  describe('transport', () => {
    it('answers 415 to a body that is not application/json and 400 invalid_json to bad JSON', async () => {
      const wrongType = await call('POST', '/integrations', { rawBody: '{"provider":"openai"}', headers: { 'content-type': 'text/plain' } });
      expect(wrongType.status).toBe(415);
      expect(at(wrongType.json, 'error', 'code')).toBe('invalid_content_type');
      const badJson = await call('POST', '/integrations', { rawBody: '{"client_secret": "s3cr3t",', headers: { 'content-type': 'application/json' } });
      expect(badJson.status).toBe(400);
      expect(at(badJson.json, 'error', 'code')).toBe('invalid_json');
      expect(badJson.text).not.toContain('s3cr3t');
      const charset = await call('POST', '/integrations', {
        rawBody: '{"provider":"openai","unique_key":"ai"}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(charset.status).toBe(200);
    });

    it("answers unknown routes and methods with Express's HTML 404", async () => {
      const unknown = await call('GET', '/x');
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
      expect(unknown.text).toMatch(/^<!DOCTYPE html>/);
      expect(unknown.text).toContain('Cannot GET /x');
      const wrongMethod = await call('PUT', '/integrations/a', { body: {} });
      expect(wrongMethod.text).toContain('Cannot PUT /integrations/a');
      expect(emu.requests.map((r) => r.status)).toEqual([404, 404]);
    });

    it('records only writes that reached the handler', async () => {
      await call('POST', '/integrations', { key: null, body: { provider: 'openai', unique_key: 'a' } });
      await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'a' } });
      await call('GET', '/integrations');
      await call('DELETE', '/integrations/zzz');
      expect(emu.requests).toHaveLength(4);
      expect(emu.writes().map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual(['POST /integrations 200', 'DELETE /integrations/zzz 404']);
    });
  });

  describe('control endpoints', () => {
    it('seed, inspect, set connections and reset over HTTP, unrecorded', async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${emu.url}/__emulator/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('seed', { integrations: [{ unique_key: 'gh', provider: 'github', credentials: { type: 'OAUTH2', client_id: 'x' } }] })).status).toBe(200);
      expect((await post('connections', { unique_key: 'gh', count: 4 })).status).toBe(200);
      const stored = (await (await fetch(`${emu.url}/__emulator/integrations?environment=dev`)).json()) as Array<Record<string, unknown>>;
      expect(stored).toEqual([expect.objectContaining({ unique_key: 'gh', provider: 'github', display_name: 'GitHub (User OAuth)', connections: 4 })]);
      // Seeded shapes are completed with nulls, as the real API shows them.
      const got = await call('GET', '/integrations/gh?include[]=credentials');
      expect(at(got.json, 'data', 'credentials')).toEqual({ type: 'OAUTH2', client_id: 'x', client_secret: null, scopes: null, webhook_secret: null });
      expect((await post('faults', { rate: 1, kinds: ['500'] })).status).toBe(200);
      expect((await fetch(`${emu.url}/__emulator/requests`)).status).toBe(200);
      expect((await call('GET', '/integrations')).status).toBe(500);
      expect((await post('reset', {})).status).toBe(200);
      expect(emu.integrations()).toEqual([]);
      expect(emu.requests).toEqual([]);
      expect((await call('GET', '/integrations')).status).toBe(200);
    });
  });

  it('serves the dashboard on unknown GETs when asked to', async () => {
    const dashboard = await startEmulator({ htmlForUnknownGet: true });
    try {
      const page = await fetch(`${dashboard.url}/x`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const post = await fetch(`${dashboard.url}/x`, { method: 'POST' });
      expect(post.status).toBe(404);
    } finally {
      await dashboard.close();
    }
  });
});

describe('emulator: rate limit', () => {
  let emu: Emulator;
  const call = client(() => emu);
  afterEach(async () => {
    await emu.close();
  });

  it('sends X-RateLimit-* on every authenticated answer and 429 with Retry-After over the limit, shared by all keys', async () => {
    emu = await startEmulator({
      rateLimitPerMinute: 3,
      rateLimitWindowMs: 5_000,
      keys: [
        { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
        { secretKey: OTHER_KEY, environment: 'prod' },
      ],
    });
    const first = await call('GET', '/integrations');
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 4);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 5);

    const notFound = await call('GET', '/integrations/missing', { key: OTHER_KEY });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-ratelimit-remaining')).toBe('1');
    await call('GET', '/integrations');

    const limited = await call('GET', '/integrations', { key: OTHER_KEY });
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: { code: 'too_many_request', method: 'GET', path: '/integrations' } });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(emu.requests.at(-1)?.status).toBe(429);
  });

  it('can answer Retry-After: 0 in the last second of a window, then opens a new window', async () => {
    emu = await startEmulator({ rateLimitPerMinute: 1, rateLimitWindowMs: 300 });
    expect((await call('GET', '/integrations')).status).toBe(200);
    const limited = await call('GET', '/integrations');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('0');
    await new Promise((resolve) => setTimeout(resolve, 320));
    expect((await call('GET', '/integrations')).status).toBe(200);
  });
});

describe('emulator: faults', () => {
  let emu: Emulator;
  const call = client(() => emu);
  const start = async (options: EmulatorOptions = {}) => {
    emu = await startEmulator({ randomSeed: 7, hangMs: 150, ...options });
  };
  afterEach(async () => {
    await emu.close();
  });

  it.each([
    ['500', 500, 'application/json'],
    ['503-html', 503, 'text/html'],
    ['429-retry-0', 429, 'application/json'],
    ['429-retry-1', 429, 'application/json'],
  ] as const)('%s answers %i and changes nothing', async (kind, status, contentType) => {
    await start({ faults: { rate: 1, kinds: [kind] } });
    const answer = await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toContain(contentType);
    if (kind === '500') expect(at(answer.json, 'error', 'code')).toBe('generic_error_support');
    if (kind === '429-retry-0') expect(answer.headers.get('retry-after')).toBe('0');
    if (kind === '429-retry-1') expect(answer.headers.get('retry-after')).toBe('1');
    expect(emu.integrations()).toEqual([]);
    expect(emu.writes()).toEqual([]);
    expect(emu.requests.map((r) => r.status)).toEqual([status]);
  });

  it('reset destroys the connection without doing anything', async () => {
    await start({ faults: { rate: 1, kinds: ['reset'] } });
    await expect(call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } })).rejects.toThrow();
    expect(emu.integrations()).toEqual([]);
    expect(emu.requests.map((r) => r.status)).toEqual(['reset']);
  });

  it('hang holds the request for hangMs, then destroys it', async () => {
    await start({ faults: { rate: 1, kinds: ['hang'] } });
    const began = Date.now();
    await expect(call('GET', '/integrations')).rejects.toThrow();
    expect(Date.now() - began).toBeGreaterThanOrEqual(140);
    expect(emu.requests.map((r) => r.status)).toEqual(['hang']);
  });

  it('close() does not wait for a hanging request', async () => {
    await start({ faults: { rate: 1, kinds: ['hang'] }, hangMs: 60_000 });
    const pending = call('GET', '/integrations').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const began = Date.now();
    await emu.close();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('lost-answer applies the write, then drops the answer', async () => {
    await start({ faults: { rate: 1, kinds: ['lost-answer'] } });
    await expect(call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } })).rejects.toThrow();
    expect(emu.integration('ai')?.provider).toBe('openai');
    expect(emu.writes()).toEqual([expect.objectContaining({ method: 'POST', path: '/integrations', status: 'lost-answer', environment: 'dev' })]);
  });

  it('faults only the listed methods, never control endpoints, and can be switched off', async () => {
    await start({ faults: { rate: 1, kinds: ['500'], methods: ['POST'] } });
    expect((await call('GET', '/integrations')).status).toBe(200);
    expect((await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } })).status).toBe(500);
    expect((await fetch(`${emu.url}/__emulator/requests`)).status).toBe(200);
    emu.setFaults(undefined);
    expect((await call('POST', '/integrations', { body: { provider: 'openai', unique_key: 'ai' } })).status).toBe(200);
  });

  it('picks the same faults for the same seed', async () => {
    const run = async (): Promise<Array<number | string>> => {
      await start({ randomSeed: 42, faults: { rate: 0.5, kinds: ['500', '429-retry-0', '503-html'] as FaultKind[] } });
      for (let i = 0; i < 12; i++) await call('GET', '/integrations');
      const statuses = emu.requests.map((r) => r.status);
      await emu.close();
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    // rate 0.5: some requests pass, and several kinds show up among the others.
    expect(first).toContain(200);
    expect(new Set(first).size).toBeGreaterThan(2);
    await start();
  });

  it('adds latency before answering', async () => {
    await start({ latencyMs: 60 });
    const began = Date.now();
    await call('GET', '/integrations');
    expect(Date.now() - began).toBeGreaterThanOrEqual(55);
    emu.setLatency(0);
  });
});

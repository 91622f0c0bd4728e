// Outbound proxies from the environment: a host name that only the proxy resolves proves the proxy was
// used; a private CA given by NODE_EXTRA_CA_CERTS is trusted inside the CONNECT tunnel.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';
import { startLoopbackProxy, type LoopbackProxy } from '../helpers/proxy.js';
import { makeTestCertificates } from '../helpers/tls.js';

const fixture = useEmulator();
const CONFIG = { 'a.yaml': 'integrations:\n  - unique_key: ".."\n    provider: posthog\n    display_name: New\n' };
const portOf = (url: string): string => new URL(url).port;

let proxy: LoopbackProxy | undefined;
let secure: Emulator | undefined;
afterEach(async () => {
  await proxy?.close();
  await secure?.close();
  proxy = undefined;
  secure = undefined;
});

describe('proxies', () => {
  it('http target: absolute-form requests through http_proxy (lower case wins), with proxy credentials', async () => {
    proxy = await startLoopbackProxy({ hosts: { 'nango.internal': '127.0.0.1' }, requireAuthorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}` });
    fixture.emu.seed([{ unique_key: '..', provider: 'posthog', display_name: 'Old' }]);
    const host = `http://nango.internal:${portOf(fixture.emu.url)}`;
    const env = fixture.env({
      NANGO_HOST: host,
      http_proxy: proxy.url.replace('http://', 'http://user:p%40ss@'),
      HTTP_PROXY: 'http://127.0.0.1:1',
    });
    const r = await runCli(['apply', '-c', tempConfig(CONFIG)], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fixture.emu.integration('..')?.display_name).toBe('New');
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`GET ${host}/integrations`, `PATCH ${host}/integrations/%2E%2E`]);
    expect(`${r.stdout}${r.stderr}`).not.toContain('p@ss');
  });

  it('https target: a CONNECT tunnel, a private CA from NODE_EXTRA_CA_CERTS, the secret key never readable by the proxy', async () => {
    const certificates = makeTestCertificates('nango.internal');
    secure = await startEmulator({ tls: { key: certificates.key, cert: certificates.cert } });
    secure.seed([{ unique_key: '..', provider: 'posthog', display_name: 'Old' }]);
    proxy = await startLoopbackProxy({ hosts: { 'nango.internal': '127.0.0.1' } });
    const target = `nango.internal:${portOf(secure.url)}`;
    const env = fixture.env({ NANGO_HOST: `https://${target}`, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: certificates.caFile });

    const r = await runCli(['apply', '-c', tempConfig(CONFIG)], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(secure.integration('..')?.display_name).toBe('New');
    expect(secure.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /integrations', 'PATCH /integrations/%2E%2E']);
    // One tunnel, kept alive for both requests.
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`CONNECT ${target}`]);
    expect(JSON.stringify(proxy.log)).not.toContain(DEFAULT_SECRET_KEY);
    expect(proxy.tunnelled().length).toBeGreaterThan(1000);
    expect(proxy.tunnelled().includes(DEFAULT_SECRET_KEY)).toBe(false);
  });

  it('a proxy variable that cannot be used is a one-line error naming it, without its password, before any request', async () => {
    for (const [value, message] of [
      ['socks5://u:hunter2@127.0.0.1:1080', 'error: env HTTP_PROXY: only http:// and https:// proxies are supported, not socks5://\n'],
      ['http://u:hunter2@[bad', 'error: env HTTP_PROXY: not a valid proxy URL\n'],
    ] as const) {
      const r = await runCli(['plan', '-c', tempConfig(CONFIG)], { env: fixture.env({ HTTP_PROXY: value }) });
      expect(r.stderr).toBe(message);
      expect(r.code).toBe(1);
    }
    expect(fixture.emu.requests).toEqual([]);
  });

  it('NO_PROXY: a listed host goes direct, any other through the proxy', async () => {
    proxy = await startLoopbackProxy({ hosts: { '127.0.0.1': '127.0.0.1' } });
    const dir = tempConfig(CONFIG);
    const direct = await runCli(['plan', '-c', dir], { env: fixture.env({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com, 127.0.0.0/8' }) });
    expect(direct.stderr).toBe('');
    expect(direct.code).toBe(0);
    expect(proxy.log).toEqual([]);
    expect(fixture.emu.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /integrations']);

    const proxied = await runCli(['plan', '-c', dir], { env: fixture.env({ HTTP_PROXY: proxy.url, NO_PROXY: 'example.com' }) });
    expect(proxied.code).toBe(0);
    expect(proxy.log.map((e) => `${e.method} ${e.target}`)).toEqual([`GET ${fixture.emu.url}/integrations`]);
  });
});

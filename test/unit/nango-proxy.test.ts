import { afterEach, describe, expect, it } from 'vitest';

import { createNangoClient } from '../../src/nango/client.js';
import { RateLimitPacer } from '../../src/nango/pacer.js';
import { bypassesProxy, proxyFor } from '../../src/nango/proxy.js';
import { NangoApiError } from '../../src/nango/types.js';
import { startLoopbackProxy, type LoopbackProxy } from '../helpers/proxy.js';

const SECRET = '3f1c9a2e-7b4d-4e8f-9a6b-2c5d8e1f0a7b';
const https = (hostname: string, port = 443) => ({ protocol: 'https:' as const, hostname, port });
const http = (hostname: string, port = 80) => ({ protocol: 'http:' as const, hostname, port });

describe('NO_PROXY', () => {
  it.each([
    ['*', 'api.nango.dev', 443, true],
    ['nango.dev', 'api.nango.dev', 443, true],
    ['.nango.dev', 'api.nango.dev', 443, true],
    ['*.nango.dev', 'api.nango.dev', 443, true],
    ['nango.dev', 'nango.dev', 443, true],
    ['NANGO.DEV', 'api.nango.dev.', 443, true],
    ['ango.dev', 'api.nango.dev', 443, false],
    ['api.nango.dev:443', 'api.nango.dev', 443, true],
    ['api.nango.dev:8443', 'api.nango.dev', 443, false],
    ['example.com, 10.0.0.0/8', '10.1.2.3', 3003, true],
    ['10.0.0.0/8', '11.1.2.3', 3003, false],
    ['10.0.0.0/8', 'ten.internal', 3003, false],
    ['127.0.0.1', '127.0.0.1', 3003, true],
    ['127.0.0.1', 'localhost', 3003, false],
    ['::1', '::1', 3003, true],
    ['[::1]:3003', '[::1]', 3003, true],
    ['fd00::/8', 'fd12::1', 3003, true],
    ['', 'api.nango.dev', 443, false],
    [' , ', 'api.nango.dev', 443, false],
  ])('%j exempts %s:%i: %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(noProxy, host, port)).toBe(expected);
  });
});

describe('proxyFor', () => {
  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, the lower-case name first', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', HTTP_PROXY: 'plain:8080' };
    expect(proxyFor(https('api.nango.dev'), env)).toMatchObject({ hostname: 'lower', port: 3128, display: 'https_proxy (lower:3128)' });
    expect(proxyFor(http('nango'), env)).toMatchObject({ protocol: 'http:', hostname: 'plain', port: 8080, display: 'HTTP_PROXY (plain:8080)' });
    expect(proxyFor(https('api.nango.dev'), { https_proxy: ' ', HTTPS_PROXY: 'https://upper' })).toMatchObject({ protocol: 'https:', port: 443 });
    expect(proxyFor(http('nango'), { HTTPS_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyFor(https('api.nango.dev'), { HTTPS_PROXY: 'http://p:1', no_proxy: 'nango.dev' })).toBeUndefined();
  });

  it('sends proxy credentials as Basic auth and never shows them', () => {
    const proxy = proxyFor(https('api.nango.dev'), { HTTPS_PROXY: 'http://me%40corp:p%3Ass@proxy:3128' });
    expect(proxy?.authorization).toBe(`Basic ${Buffer.from('me@corp:p:ss').toString('base64')}`);
    expect(proxy?.display).toBe('HTTPS_PROXY (proxy:3128)');
  });

  it('refuses other schemes and broken URLs without echoing them', () => {
    expect(() => proxyFor(https('x'), { HTTPS_PROXY: 'socks5://u:hunter2@p:1080' })).toThrow('env HTTPS_PROXY: only http:// and https:// proxies are supported, not socks5://');
    let message = '';
    try {
      proxyFor(https('x'), { HTTPS_PROXY: 'http://u:hunter2@[bad' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('env HTTPS_PROXY: not a valid proxy URL');
  });
});

describe('the client through a proxy', () => {
  let proxy: LoopbackProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('a CONNECT refused by the proxy is a network error naming the proxy, never its password or the secret key', async () => {
    proxy = await startLoopbackProxy({ hosts: {}, requireAuthorization: 'Basic nope' });
    const client = createNangoClient({
      host: 'https://nango.internal',
      secretKey: SECRET,
      maxRetries: 1,
      sleep: async () => undefined,
      pacer: new RateLimitPacer({ sleep: async () => undefined }),
      env: { HTTPS_PROXY: proxy.url.replace('http://', 'http://user:hunter2@') },
    });
    const error = await client.listIntegrations().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NangoApiError);
    const port = new URL(proxy.url).port;
    expect((error as NangoApiError).message).toBe(
      `GET /integrations: no answer from NANGO_HOST (https://nango.internal) via HTTPS_PROXY (127.0.0.1:${port}) after 2 attempts: the proxy answered 407 to CONNECT nango.internal:443`,
    );
    expect(proxy.log.map((e) => `${e.method} ${e.target} ${String(e.headers['proxy-authorization'])}`)).toEqual(
      Array(2).fill(`CONNECT nango.internal:443 Basic ${Buffer.from('user:hunter2').toString('base64')}`),
    );
    expect(JSON.stringify(proxy.log)).not.toContain(SECRET);
  });
});

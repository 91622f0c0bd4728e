// Issue 9 §7: /readyz and /healthz answer anything that can reach the pod, so they name no integration
// key, file path or outside message unless the caller is local or asks ?verbose; the logs keep the detail.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback, terseReadiness, wantsDetail } from '../../src/daemon/probe-detail.js';
import type { Readiness } from '../../src/daemon/status.js';
import { tempConfig } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();

describe('who gets the detail', () => {
  it('loopback is 127.0.0.0/8 and ::1, IPv4-mapped too; nothing else', () => {
    for (const a of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.9']) expect(isLoopback(a), a).toBe(true);
    for (const a of [undefined, '', '10.0.0.1', '192.0.2.2', '::ffff:10.1.2.3', 'fd00::2', '0.0.0.0', '::', '1127.0.0.1', '127.0.0.1.evil']) expect(isLoopback(a), String(a)).toBe(false);
  });

  it('detail goes to loopback callers, and to anyone asking ?verbose', () => {
    const none = new URLSearchParams('');
    expect(wantsDetail('127.0.0.1', none)).toBe(true);
    expect(wantsDetail('::ffff:127.0.0.1', none)).toBe(true);
    expect(wantsDetail('10.1.2.3', none)).toBe(false);
    expect(wantsDetail(undefined, none)).toBe(false);
    expect(wantsDetail('10.1.2.3', new URLSearchParams('verbose'))).toBe(true);
    expect(wantsDetail('10.1.2.3', new URLSearchParams('verbose=0&x=1'))).toBe(true);
  });

  it('the terse readiness body keeps outcomes and counts, and drops keys, paths and outside messages', () => {
    const full: Readiness = {
      ready: false,
      last_success: '2026-01-01T00:00:00.000Z',
      last_reconcile: {
        trigger: 'watch',
        mode: 'apply',
        started_at: '2026-01-01T00:01:00.000Z',
        finished_at: '2026-01-01T00:01:01.000Z',
        duration_ms: 1000,
        result: 'error',
        digest: '3f1c9a0b2e7d',
        stage: 'api',
        error: 'GET /integrations/slack-secret-key: 500 from https://nango.internal/private/path',
        diagnostics: ['/etc/nango/private.yaml:1:1: bad'],
        blocked: [{ unique_key: 'slack-secret-key', action: 'delete', reason: 'protected by slack-*' }],
        summary: { create: 0, update: 1, rename: 0, delete: 1, replace: 0, unchanged: 3, unmanaged: 0 },
        applied: 0,
        failed: 1,
      },
    };
    const terse = terseReadiness(full);
    const text = JSON.stringify(terse);
    for (const secret of ['slack-secret-key', 'private', 'nango.internal', '/etc']) expect(text).not.toContain(secret);
    expect(terse).toMatchObject({
      ready: false,
      last_success: full.last_success,
      last_reconcile: { result: 'error', stage: 'api', error: 'a request to the Nango API failed', summary: full.last_reconcile?.summary, failed: 1, digest: '3f1c9a0b2e7d' },
      detail: expect.stringContaining('?verbose'),
    });
    expect(terseReadiness({ ready: true })).toEqual({ ready: true });
  });
});

// Requests go to loopback only (this workplace sends no traffic to other addresses): the terse body for
// callers elsewhere is covered by the unit tests of wantsDetail and terseReadiness above.
describe('probe bodies from the daemon process', () => {
  it('loopback callers get keys and paths; the log keeps them; /healthz names no path', { timeout: 30_000 }, async () => {
    fixture.emu.seed([{ unique_key: 'keep', provider: 'posthog' }, { unique_key: 'doomed-key', provider: 'posthog' }]);
    const dir = tempConfig({ 'keep.yaml': 'integrations:\n  - unique_key: keep\n    provider: posthog\n' });
    const daemon = await startDaemon({ args: ['-c', dir, '--prune', '--max-deletes', '0', '--debounce', '100'], env: fixture.env() });
    const [first] = await daemon.waitForReconciles(1, 15_000);
    expect(first).toMatchObject({ result: 'blocked' });

    const local = await daemon.get('/readyz');
    expect(local.status).toBe(503);
    expect(local.text).toContain('doomed-key');
    expect((await daemon.get('/readyz?verbose')).text).toContain('doomed-key');
    expect(daemon.lines.some((l) => l.msg === 'blocked change' && l.unique_key === 'doomed-key')).toBe(true);

    const mark = daemon.lines.length;
    writeFileSync(join(dir, 'private-name.yaml'), 'integrations:\n  - unique_key: [broken\n');
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error', { from: mark, timeoutMs: 10_000 });
    expect((await daemon.get('/readyz')).text).toContain('private-name.yaml');
    const health = await daemon.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.text).not.toContain(dir);

    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });
});

// A converged daemon costs one request per reconcile, whatever the number of integrations.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeedIntegration } from '../emulator/server.js';
import { tempConfig } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const SECRET = 'steady-state-secret-91c2';
const COUNT = 200;
const key = (i: number): string => `slack-${String(i).padStart(3, '0')}`;

function config(secretFor: (i: number) => string = () => '${SLACK_SECRET}'): string {
  const items = Array.from(
    { length: COUNT },
    (_, i) => `  - unique_key: ${key(i)}
    provider: slack
    credentials:
      type: OAUTH2
      client_id: "id-${i}"
      client_secret: ${secretFor(i)}
      scopes: [chat:write]
`,
  );
  return `integrations:\n${items.join('')}`;
}

function seed(): SeedIntegration[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    unique_key: key(i),
    provider: 'slack',
    credentials: { type: 'OAUTH2', client_id: `id-${i}`, client_secret: SECRET, scopes: 'chat:write', webhook_secret: null },
  }));
}

describe('steady state', () => {
  it(`with ${COUNT} declared integrations, a reconcile of a converged environment sends exactly 1 request`, async () => {
    fixture.emu.seed(seed());
    const dir = tempConfig({ 'slack.yaml': config() });
    // Older than the debounce interval (500 ms) when the daemon first reads it, as git-sync's files are: a
    // younger config is read again once settled, and a tick in between would name the first run (the daemon
    // now starts fast enough to meet it; its ctime cannot be set back).
    await new Promise((resolve) => setTimeout(resolve, 600));
    const daemon = await startDaemon({ args: ['-c', dir, '--schedule', '*/1 * * * * *', '--jitter', '0'], env: fixture.env({ SLACK_SECRET: SECRET }) });
    const [first] = await daemon.waitForReconciles(1);
    // The first run reads every detail (empty cache): the list plus one read per integration.
    expect(first).toMatchObject({ trigger: 'start', result: 'success', requests: COUNT + 1, summary: { unchanged: COUNT } });

    fixture.emu.clearRequests();
    const before = daemon.reconciles().length;
    const scheduled = await daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'schedule', { from: daemon.lines.length });
    const runs = daemon.reconciles().length - before;
    expect(scheduled).toMatchObject({ result: 'success', requests: 1, summary: { unchanged: COUNT } });
    // The next tick may already have sent its list request: one more at most.
    expect(fixture.emu.requests.length).toBeGreaterThanOrEqual(runs);
    expect(fixture.emu.requests.length).toBeLessThanOrEqual(runs + 1);
    expect(fixture.emu.requests.every((r) => r.method === 'GET' && r.path === '/integrations')).toBe(true);

    // SIGHUP is a trigger too; still one request.
    const mark = daemon.lines.length;
    daemon.kill('SIGHUP');
    const signalled = await daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'signal', { from: mark });
    expect(signalled).toMatchObject({ result: 'success', requests: 1 });

    // A changed declaration re-reads only that integration: list + 1 detail + 1 PATCH.
    const mark2 = daemon.lines.length;
    writeFileSync(join(dir, 'slack.yaml'), config((i) => (i === 7 ? 'rotated-secret-7' : '${SLACK_SECRET}')));
    // Whichever comes first, the file event or the next tick, re-reads the config; only one run applies.
    const edited = await daemon.waitFor((l) => l.msg === 'reconcile' && l.digest !== signalled.digest, { from: mark2 });
    expect(edited).toMatchObject({ result: 'success', requests: 3, summary: { update: 1, unchanged: COUNT - 1 } });
    expect(fixture.emu.integration(key(7))?.credentials).toMatchObject({ client_secret: 'rotated-secret-7' });
    // Its updated_at moved, so the next run re-reads it once more, then it is cached again.
    const after = await daemon.waitFor((l) => l.msg === 'reconcile', { from: daemon.lines.indexOf(edited) + 1 });
    expect(after).toMatchObject({ result: 'success', requests: 2 });
    const settled = await daemon.waitFor((l) => l.msg === 'reconcile', { from: daemon.lines.indexOf(after) + 1 });
    expect(settled).toMatchObject({ result: 'success', requests: 1 });

    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.stdout()).not.toContain(SECRET);
    expect(daemon.stdout()).not.toContain('rotated-secret-7');
  });

  it('--full-refresh-interval 0 re-reads every detail on every run (the backstop, at its shortest)', async () => {
    fixture.emu.seed(seed().slice(0, 20));
    const dir = tempConfig({ 'slack.yaml': `integrations:\n${config().split('  - unique_key: ').slice(1, 21).map((s) => `  - unique_key: ${s}`).join('')}` });
    const daemon = await startDaemon({ args: ['-c', dir, '--full-refresh-interval', '0'], env: fixture.env({ SLACK_SECRET: SECRET }) });
    await daemon.waitForReconciles(1);
    daemon.kill('SIGHUP');
    const [, second] = await daemon.waitForReconciles(2);
    expect(second).toMatchObject({ trigger: 'signal', result: 'success', requests: 21 });
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });
});

/** The first 20 integrations of `text` (a config() result). */
const firstTwenty = (text: string): string => `integrations:\n${text.split('  - unique_key: ').slice(1, 21).map((s) => `  - unique_key: ${s}`).join('')}`;

describe('as the image runs it (node --lite-mode: no optimising compiler, no WebAssembly)', () => {
  it('reconciles, applies a change, keeps one request per converged run, and stops on SIGTERM', async () => {
    fixture.emu.seed(seed().slice(0, 20));
    const dir = tempConfig({ 'slack.yaml': firstTwenty(config()) });
    const daemon = await startDaemon({ args: ['-c', dir, '--debounce', '100ms'], env: fixture.env({ SLACK_SECRET: SECRET }), nodeArgs: ['--lite-mode', '--no-expose-wasm'] });
    const [first] = await daemon.waitForReconciles(1, 30_000);
    expect(first).toMatchObject({ trigger: 'start', result: 'success', requests: 21, summary: { unchanged: 20 } });
    const renamed = firstTwenty(config()).replace(`- unique_key: ${key(0)}\n    provider: slack\n`, `- unique_key: ${key(0)}\n    provider: slack\n    display_name: Lite\n`);
    writeFileSync(join(dir, 'slack.yaml'), renamed);
    const edited = await daemon.waitFor((l) => l.msg === 'reconcile' && l.digest !== first.digest, { from: daemon.lines.length, timeoutMs: 20_000 });
    expect(edited).toMatchObject({ result: 'success', summary: { update: 1, unchanged: 19 } });
    expect(fixture.emu.integration(key(0))?.display_name).toBe('Lite');
    const mark = daemon.lines.length;
    daemon.kill('SIGHUP');
    const signalled = await daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'signal', { from: mark });
    expect(signalled).toMatchObject({ result: 'success', summary: { unchanged: 20 } });
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(daemon.stderr()).toBe('');
    expect(daemon.stdout()).not.toContain(SECRET);
  });
});

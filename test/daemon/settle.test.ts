// Issue 9 §6: a --prune daemon must never act on a config caught mid-write (a slow in-place save, a file
// emptied, a file replaced by a directory): nothing is deleted, no half-written value is applied.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { eventually, startDaemon, type DaemonProcess } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';

const fixture = useEmulator();
const KEYS = [0, 1, 2, 3, 4].map((i) => `key-${i}`);
const ANCHOR = 'integrations:\n  - unique_key: anchor\n    provider: posthog\n';
const displayName = (key: string, version: string): string => `Display ${version} of ${key}`;
const itemsFile = (version: string): string =>
  `integrations:\n${KEYS.map((key) => `  - unique_key: ${key}\n    provider: posthog\n    display_name: ${displayName(key, version)}\n`).join('')}`;
const PRUNE = ['--prune', '--max-deletes', '10', '--schedule', '*/1 * * * * *', '--jitter', '0'];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let proxy: RecordingProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/**
 * Rewrites `path` in place as a slow, non-atomic save does: truncate, then one chunk per pause. Every cut
 * lies inside a display name, so each intermediate version is valid YAML: first declaring fewer
 * integrations (deletes), then all of them with the last name cut off (a PATCH only) for three pauses.
 */
async function writeSlowly(path: string, text: string, pauseMs: number): Promise<void> {
  const last = KEYS.at(-1) ?? '';
  const cuts = [...KEYS.map((key) => text.indexOf(`of ${key}`) + 4), text.indexOf(`of ${last}`), text.indexOf(`v2 of ${last}`)].sort((a, b) => a - b);
  const handle = await open(path, 'w');
  try {
    let at = 0;
    for (const cut of [...cuts, text.length]) {
      await sleep(pauseMs);
      await handle.write(text.slice(at, cut));
      at = cut;
    }
  } finally {
    await handle.close();
  }
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
}

async function convergedDaemon(debounce: string, nangoHost?: string): Promise<{ dir: string; daemon: DaemonProcess; ids: Map<string, number> }> {
  const dir = tempConfig({ 'a.yaml': ANCHOR, 'b.yaml': itemsFile('v1') });
  const daemon = await startDaemon({ args: ['-c', dir, ...PRUNE, '--debounce', debounce], env: fixture.env(nangoHost === undefined ? {} : { NANGO_HOST: nangoHost }) });
  await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'success', { timeoutMs: 15_000 });
  expect(fixture.emu.integrations()).toHaveLength(KEYS.length + 1);
  return { dir, daemon, ids: new Map(fixture.emu.integrations().map((i) => [i.unique_key, i.id])) };
}

const deletes = (): unknown[] => fixture.emu.requests.filter((r) => r.method === 'DELETE');

describe('the daemon acts only on a settled config', () => {
  it('a file rewritten slowly in place under a --prune daemon (schedule every second, watch on): nothing deleted, no cut-off name applied, the final content converges', { timeout: 60_000 }, async () => {
    proxy = await startRecordingProxy(fixture.emu.url);
    const { dir, daemon, ids } = await convergedDaemon('1500ms', proxy.url);
    const mark = daemon.lines.length;
    const sent = proxy.requests.length;

    // Pauses well under --debounce, the whole write well over it (and over a schedule period).
    await writeSlowly(join(dir, 'b.yaml'), itemsFile('v2'), 400);
    const wanted = new Set(KEYS.map((key) => displayName(key, 'v2')));
    await eventually(() => (KEYS.every((key) => fixture.emu.integration(key)?.display_name === displayName(key, 'v2')) ? true : undefined), 15_000, 'the v2 names');
    // A few more ticks: a late decision from a half-written read would show here.
    await sleep(2_500);

    expect(deletes()).toEqual([]);
    const writes = proxy.requests.slice(sent).filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) {
      expect(write.method).toBe('PATCH');
      expect(wanted).toContain((write.body as { display_name?: string }).display_name);
    }
    // Same integrations (ids), never deleted and re-created.
    expect(new Map(fixture.emu.integrations().map((i) => [i.unique_key, i.id]))).toEqual(ids);
    // The reads made during the write were seen, and skipped.
    expect(daemon.lines.slice(mark).filter((l) => l.msg === 'config not settled').length).toBeGreaterThan(0);
    await stop(daemon);
  });

  it('a writer that pauses longer than --debounce (less than twice it): each piece looks settled, yet no delete is made from one', { timeout: 60_000 }, async () => {
    const { dir, daemon, ids } = await convergedDaemon('1000ms');
    const mark = daemon.lines.length;
    // Each pause over --debounce, yet well under twice it even on a loaded machine.
    await writeSlowly(join(dir, 'b.yaml'), itemsFile('v2'), 1_250);
    await eventually(() => (KEYS.every((key) => fixture.emu.integration(key)?.display_name === displayName(key, 'v2')) ? true : undefined), 15_000, 'the v2 names');
    expect(deletes()).toEqual([]);
    expect(new Map(fixture.emu.integrations().map((i) => [i.unique_key, i.id]))).toEqual(ids);
    // The half-written versions were read as settled and planned with deletes, which waited for a second read.
    expect(daemon.lines.slice(mark).some((l) => l.msg === 'config not settled' && String(l.reason).includes('read again'))).toBe(true);
    await stop(daemon);
  });

  it('a config file replaced by an empty directory of that name (a missing Docker bind-mount source): config error, /readyz 503, nothing deleted; recovers when the file is back', { timeout: 30_000 }, async () => {
    const { dir, daemon } = await convergedDaemon('200ms');
    const mark = daemon.lines.length;
    rmSync(join(dir, 'b.yaml'));
    mkdirSync(join(dir, 'b.yaml'));
    const broken = await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error', { from: mark, timeoutMs: 10_000 });
    expect(broken).toMatchObject({ stage: 'config' });
    expect(JSON.stringify(broken.diagnostics)).toContain('b.yaml');
    const ready = await daemon.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.text).toContain('b.yaml: is a directory');
    // More scheduled runs, still nothing deleted.
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'schedule', { from: daemon.lines.indexOf(broken) + 1, timeoutMs: 10_000 });
    expect(deletes()).toEqual([]);
    expect(fixture.emu.integrations()).toHaveLength(KEYS.length + 1);

    const back = daemon.lines.length;
    rmSync(join(dir, 'b.yaml'), { recursive: true });
    writeFileSync(join(dir, 'b.yaml'), itemsFile('v1'));
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'success', { from: back, timeoutMs: 10_000 });
    expect((await daemon.get('/readyz')).status).toBe(200);
    expect(deletes()).toEqual([]);
    await stop(daemon);
  });

  it.each([
    ['empty', ''],
    ['whitespace-only', '  \n\n'],
    ['comment-only', '# every integration commented out\n#  - unique_key: key-0\n'],
  ])('a config file that is %s is a config error, never "declares nothing": nothing deleted', { timeout: 30_000 }, async (_what, content) => {
    const { dir, daemon } = await convergedDaemon('200ms');
    const mark = daemon.lines.length;
    writeFileSync(join(dir, 'b.yaml'), content);
    const broken = await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error', { from: mark, timeoutMs: 10_000 });
    expect(broken).toMatchObject({ stage: 'config' });
    expect(JSON.stringify(broken.diagnostics)).toMatch(/b\.yaml:1:1: .*empty/);
    expect((await daemon.get('/readyz')).status).toBe(503);
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'schedule', { from: daemon.lines.indexOf(broken) + 1, timeoutMs: 10_000 });
    expect(deletes()).toEqual([]);
    expect(fixture.emu.integrations()).toHaveLength(KEYS.length + 1);
    await stop(daemon);
  });
});

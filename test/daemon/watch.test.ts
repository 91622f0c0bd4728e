// File triggers: edits, git-sync and ConfigMap symlink swaps, secret files; digests decide, not events.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { eventually, startDaemon, type DaemonProcess } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const env = (extra: Record<string, string> = {}): Record<string, string> => fixture.env(extra);

const posthog = (displayName: string): string => `integrations:\n  - unique_key: posthog\n    provider: posthog\n    display_name: ${displayName}\n`;

/** Waits until the emulator shows the display name, and returns how long it took from `since`. */
async function appliedWithin(displayName: string, since: number): Promise<number> {
  await eventually(() => (fixture.emu.integration('posthog')?.display_name === displayName ? true : undefined), 5_000, `display_name ${displayName}`);
  return Date.now() - since;
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
}

/** Atomically points `link` at `target`, as git-sync and the kubelet do (`ln -s target tmp && mv -T tmp link`). */
function swapSymlink(link: string, target: string): void {
  const tmp = `${link}.tmp-${process.pid}`;
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

describe('config watch', () => {
  it('applies an edit within 2 s; a touch, or an edit that changes nothing resolved, starts no reconcile', async () => {
    const dir = tempConfig({ 'posthog.yaml': posthog('First') });
    const daemon = await startDaemon({ args: ['-c', dir, '--log-level', 'debug'], env: env() });
    await daemon.waitForReconciles(1);
    expect(fixture.emu.integration('posthog')?.display_name).toBe('First');

    const before = Date.now();
    writeFileSync(join(dir, 'posthog.yaml'), posthog('Second'));
    expect(await appliedWithin('Second', before)).toBeLessThan(2_000);
    await daemon.waitForReconciles(2);
    expect(daemon.reconciles()[1]).toMatchObject({ trigger: 'watch', result: 'success', summary: { update: 1 } });

    const mark = daemon.lines.length;
    const now = new Date();
    utimesSync(join(dir, 'posthog.yaml'), now, now);
    await daemon.waitFor((l) => l.msg === 'config unchanged', { from: mark });
    const mark2 = daemon.lines.length;
    writeFileSync(join(dir, 'posthog.yaml'), `# a comment changes no resolved value\n${posthog('Second')}`);
    await daemon.waitFor((l) => l.msg === 'config unchanged', { from: mark2 });
    expect(daemon.reconciles()).toHaveLength(2);
    await stop(daemon);
  });

  it("sees a new file, an editor's write-and-rename, and a deleted file", async () => {
    const dir = tempConfig({ 'posthog.yaml': posthog('One') });
    const daemon = await startDaemon({ args: ['-c', dir], env: env() });
    await daemon.waitForReconciles(1);

    let before = Date.now();
    writeFileSync(join(dir, 'extra.yaml'), 'integrations:\n  - unique_key: extra\n    provider: posthog\n');
    await eventually(() => fixture.emu.integration('extra'), 5_000, 'extra created');
    expect(Date.now() - before).toBeLessThan(2_000);

    // Editors (vim, VS Code) write a temporary file and rename it over the original.
    before = Date.now();
    writeFileSync(join(dir, '.posthog.yaml.swp'), posthog('Two'));
    renameSync(join(dir, '.posthog.yaml.swp'), join(dir, 'posthog.yaml'));
    expect(await appliedWithin('Two', before)).toBeLessThan(2_000);
    const renamed = await daemon.waitFor((l) => l.msg === 'reconcile' && (l.summary as { update?: number } | undefined)?.update === 1);

    // A deleted file: its integration is no longer declared (unmanaged without --prune: no write).
    const mark = daemon.lines.indexOf(renamed) + 1;
    rmSync(join(dir, 'extra.yaml'));
    const removed = await daemon.waitFor((l) => l.msg === 'reconcile', { from: mark, timeoutMs: 5_000 });
    expect(removed).toMatchObject({ trigger: 'watch', result: 'success', summary: { unmanaged: 1, unchanged: 1 } });
    await stop(daemon);
  });

  it('20 edits within one second cause at most 2 reconciles, and the last one wins', async () => {
    const dir = tempConfig({ 'posthog.yaml': posthog('v0') });
    const daemon = await startDaemon({ args: ['-c', dir], env: env() });
    await daemon.waitForReconciles(1);
    for (let i = 1; i <= 20; i++) {
      writeFileSync(join(dir, 'posthog.yaml'), posthog(`v${i}`));
      await new Promise((resolve) => setTimeout(resolve, 45));
    }
    await appliedWithin('v20', Date.now());
    // Let a late debounce fire if there is one.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const watchRuns = daemon.reconciles().filter((l) => l.trigger === 'watch');
    expect(watchRuns.length).toBeGreaterThanOrEqual(1);
    expect(watchRuns.length).toBeLessThanOrEqual(2);
    await stop(daemon);
  });

  it.each([
    ['the checkout root', ''],
    ['a directory inside the checkout', 'nango'],
  ])('follows a git-sync symlink swap (root/current -> .worktrees/revN) within 2 s, config in %s', async (_what, sub) => {
    const root = mkdtempSync(join(tmpdir(), 'nango-gitops-gitsync-'));
    const publish = (rev: number): void => {
      mkdirSync(join(root, `.worktrees/rev${rev}`, sub), { recursive: true });
      writeFileSync(join(root, `.worktrees/rev${rev}`, sub, 'posthog.yaml'), posthog(`Rev ${rev}`));
    };
    publish(1);
    symlinkSync('.worktrees/rev1', join(root, 'current'));
    const daemon = await startDaemon({ args: ['-c', join(root, 'current', sub)], env: env() });
    await daemon.waitForReconciles(1);
    expect(fixture.emu.integration('posthog')?.display_name).toBe('Rev 1');

    for (const rev of [2, 3]) {
      publish(rev);
      const before = Date.now();
      swapSymlink(join(root, 'current'), `.worktrees/rev${rev}`);
      // Only the swap may tell: the old worktree goes away after the check (its removal is an event too).
      expect(await appliedWithin(`Rev ${rev}`, before)).toBeLessThan(2_000);
      rmSync(join(root, `.worktrees/rev${rev - 1}`), { recursive: true });
    }
    // The deep watch now follows the new target: an edit in place (a developer's symlink) is seen too.
    const before = Date.now();
    writeFileSync(join(root, 'current', sub, 'posthog.yaml'), posthog('Edited in place'));
    expect(await appliedWithin('Edited in place', before)).toBeLessThan(2_000);
    await stop(daemon);
  });

  it('follows a ConfigMap volume update (..data swapped to a new timestamped directory) within 2 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-configmap-'));
    mkdirSync(join(dir, '..2026_01_01_00_00_00.1'));
    writeFileSync(join(dir, '..2026_01_01_00_00_00.1/posthog.yaml'), posthog('Map 1'));
    symlinkSync('..2026_01_01_00_00_00.1', join(dir, '..data'));
    symlinkSync('..data/posthog.yaml', join(dir, 'posthog.yaml'));
    const daemon = await startDaemon({ args: ['-c', dir], env: env() });
    const [first] = await daemon.waitForReconciles(1);
    expect(first).toMatchObject({ result: 'success', summary: { create: 1 } });

    mkdirSync(join(dir, '..2026_01_01_00_01_00.2'));
    writeFileSync(join(dir, '..2026_01_01_00_01_00.2/posthog.yaml'), posthog('Map 2'));
    const before = Date.now();
    swapSymlink(join(dir, '..data'), '..2026_01_01_00_01_00.2');
    expect(await appliedWithin('Map 2', before)).toBeLessThan(2_000);
    rmSync(join(dir, '..2026_01_01_00_00_00.1'), { recursive: true });
    await stop(daemon);
  });

  it('watches *_FILE secrets (a Secret volume swap) and --env-file files', async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'nango-gitops-secret-'));
    mkdirSync(join(secrets, '..v1'));
    writeFileSync(join(secrets, '..v1/name'), 'From secret 1\n');
    symlinkSync('..v1', join(secrets, '..data'));
    symlinkSync('..data/name', join(secrets, 'name'));
    const dir = tempConfig({ 'posthog.yaml': posthog('${POSTHOG_NAME}'), 'vars.env': 'OTHER=1\n' });
    const daemon = await startDaemon({
      args: ['-c', join(dir, 'posthog.yaml'), '--env-file', join(dir, 'vars.env')],
      env: env({ POSTHOG_NAME_FILE: join(secrets, 'name') }),
    });
    await daemon.waitForReconciles(1);
    expect(fixture.emu.integration('posthog')?.display_name).toBe('From secret 1');

    mkdirSync(join(secrets, '..v2'));
    writeFileSync(join(secrets, '..v2/name'), 'From secret 2\n');
    let before = Date.now();
    swapSymlink(join(secrets, '..data'), '..v2');
    expect(await appliedWithin('From secret 2', before)).toBeLessThan(2_000);

    // An env file value overrides a *_FILE one only when the real environment does not: here the
    // env file defines the variable itself, which wins over POSTHOG_NAME_FILE.
    before = Date.now();
    writeFileSync(join(dir, 'vars.env'), 'POSTHOG_NAME=From env file\n');
    expect(await appliedWithin('From env file', before)).toBeLessThan(2_000);
    expect(daemon.stdout()).not.toContain('From secret');
    await stop(daemon);
  });
});

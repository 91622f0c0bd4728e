// When a read of the config counts as settled (src/daemon/settle.ts), on real files with a controlled clock.
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';
import type { LoadOptions } from '../../src/config/types.js';
import { createSettledReader } from '../../src/daemon/settle.js';

const CONFIG = 'integrations:\n  - unique_key: posthog\n    provider: posthog\n';

function setup(): { dir: string; file: string; load: LoadOptions } {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-settle-'));
  const file = join(dir, 'a.yaml');
  writeFileSync(file, CONFIG);
  return { dir, file, load: { paths: [dir], env: {}, cwd: dir } };
}

describe('settled reads', () => {
  it('a file changed less than the debounce interval ago is not settled; once older, it is', async () => {
    const { file, load } = setup();
    let clock = Date.now();
    const read = createSettledReader({ load, debounceMs: 1_000, read: () => loadDesiredState(load), now: () => clock }).read;
    const fresh = await read();
    expect(fresh.loaded.state).toBeDefined();
    expect(fresh.unsettled?.reason).toBe('a config file changed less than the debounce interval ago');
    expect(fresh.unsettled?.waitMs).toBeGreaterThan(800);
    expect(fresh.unsettled?.waitMs).toBeLessThanOrEqual(1_000);
    clock += 1_000;
    expect((await read()).unsettled).toBeUndefined();
    // Touched again: not settled again.
    utimesSync(file, new Date(clock), new Date(clock));
    expect((await read()).unsettled).toBeDefined();
  });

  it('a timestamp in the future does not block forever: a file seen unchanged for the interval is settled', async () => {
    const { file, load } = setup();
    const future = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    utimesSync(file, future, future);
    let clock = Date.now() + 5_000;
    const read = createSettledReader({ load, debounceMs: 1_000, read: () => loadDesiredState(load), now: () => clock }).read;
    expect((await read()).unsettled).toBeDefined();
    clock += 999;
    expect((await read()).unsettled?.waitMs).toBe(1);
    clock += 1;
    expect((await read()).unsettled).toBeUndefined();
  });

  it('a file that changes while it is read is not settled, whatever its age', async () => {
    const { file, load } = setup();
    const clock = Date.now() + 60_000;
    const read = createSettledReader({
      load,
      debounceMs: 1_000,
      read: async () => {
        const loaded = await loadDesiredState(load);
        writeFileSync(file, `${CONFIG}    display_name: More\n`);
        return loaded;
      },
      now: () => clock,
    }).read;
    expect((await read()).unsettled).toEqual({ reason: 'a config file changed while it was read', waitMs: 1_000 });
  });

  it('a config file appearing during the read, or a secret file changing, makes it unsettled too', async () => {
    const { dir, load } = setup();
    const secret = join(dir, 'name.txt');
    writeFileSync(secret, 'Name\n');
    const withSecret: LoadOptions = { ...load, paths: [join(dir, 'a.yaml')], env: { NAME_FILE: secret } };
    writeFileSync(join(dir, 'a.yaml'), `${CONFIG}    display_name: \${NAME}\n`);
    const clock = Date.now() + 60_000;
    let during: (() => void) | undefined;
    const read = createSettledReader({
      load: withSecret,
      debounceMs: 1_000,
      read: async () => {
        const loaded = await loadDesiredState(withSecret);
        during?.();
        return loaded;
      },
      now: () => clock,
    }).read;
    expect((await read()).unsettled).toBeUndefined();
    during = () => writeFileSync(secret, 'Other\n');
    expect((await read()).unsettled?.reason).toBe('a config file changed while it was read');

    const all = createSettledReader({
      load,
      debounceMs: 1_000,
      read: async () => {
        const loaded = await loadDesiredState(load);
        writeFileSync(join(dir, 'b.yaml'), CONFIG.replace('posthog\n', 'other\n'));
        return loaded;
      },
      now: () => clock,
    }).read;
    expect((await all()).unsettled?.reason).toBe('a config file changed while it was read');
  });

  it('file events count only where the config comes from, not elsewhere in a watched parent directory', async () => {
    const { dir, load } = setup();
    const secrets = mkdtempSync(join(tmpdir(), 'nango-gitops-settle-secret-'));
    writeFileSync(join(secrets, 'name'), 'Name\n');
    writeFileSync(join(dir, 'a.yaml'), `${CONFIG}    display_name: \${NAME}\n`);
    const withSecret: LoadOptions = { ...load, env: { NAME_FILE: join(secrets, 'name') } };
    const reader = createSettledReader({ load: withSecret, debounceMs: 0, read: () => loadDesiredState(withSecret) });
    await reader.read();
    for (const path of [join(dir, 'a.yaml'), join(dir, 'new.yaml'), join(dir, '..data'), dir, dirname(dir), join(secrets, 'name'), secrets]) expect(reader.concerns(path), path).toBe(true);
    for (const path of [join(dirname(dir), 'unrelated.log'), join(secrets, 'other'), `${dir}-sibling`]) expect(reader.concerns(path), path).toBe(false);
  });
});

// What the daemon keeps between triggers (src/daemon/config-memo.ts): the same config is not loaded
// again, and every input of a load (a file's bytes, a variable's value, an env file, a `*_FILE` secret)
// that changes makes the next trigger load it afresh. On real files, with the real loader.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';
import type { LoadOptions, LoadResult } from '../../src/config/types.js';
import { memoizeLoad } from '../../src/daemon/config-memo.js';
import { hasMkfifo } from '../helpers/mkfifo.js';

const config = (name: string): string => `integrations:\n  - unique_key: posthog\n    provider: posthog\n    display_name: ${name}\n`;

function setup(yaml: string, env: Record<string, string | undefined> = {}): { dir: string; file: string; load: LoadOptions; env: Record<string, string | undefined> } {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-memo-'));
  const file = join(dir, 'a.yaml');
  writeFileSync(file, yaml);
  return { dir, file, env, load: { paths: [file], env, cwd: dir } };
}

/** The memoized loader and how many times it really loaded. */
function counted(load: LoadOptions): { read: () => Promise<LoadResult>; loads: () => number } {
  let loads = 0;
  const read = memoizeLoad(load, (options) => {
    loads++;
    return loadDesiredState(options);
  });
  return { read, loads: () => loads };
}

const displayName = (result: LoadResult): string | undefined => result.state?.integrations[0]?.display_name;

/** Reads until a read is served without loading (the first version is loaded twice: see memoizeLoad). */
async function warm(read: () => Promise<LoadResult>, loads: () => number): Promise<LoadResult> {
  for (let i = 0; i < 3; i++) {
    const before = loads();
    const result = await read();
    if (loads() === before) return result;
  }
  throw new Error('the unchanged config was loaded on every read');
}

describe('the daemon keeps the loaded config while nothing it depends on changes', () => {
  it('an unchanged config is not loaded again, and the same result comes back', async () => {
    const { load } = setup(config('${NAME}'), { NAME: 'One' });
    const { read, loads } = counted(load);
    const first = await read();
    const kept = await warm(read, loads);
    expect(displayName(kept)).toBe('One');
    expect(kept.state?.digest).toBe(first.state?.digest);
    const n = loads();
    await read();
    await read();
    expect(loads()).toBe(n);
  });

  it('a file changed in place (same size, same modification time) is loaded afresh', async () => {
    const { file, load } = setup(config('Aaa'));
    const { read, loads } = counted(load);
    await warm(read, loads);
    const { mtime, atime } = statSync(file);
    writeFileSync(file, config('Bbb'));
    utimesSync(file, atime, mtime);
    expect(displayName(await read())).toBe('Bbb');
  });

  it('a file rewritten while it was loaded and put back before the load ended is loaded afresh next time', async () => {
    // The load saw other bytes than the digests taken around it: keeping its result would apply a config
    // the files no longer hold (one declaring less would prune) once the settle reader sees them quiet.
    const { file, load } = setup(config('Aaa'));
    let swap = false;
    let loads = 0;
    const read = memoizeLoad(load, async (options) => {
      loads++;
      if (!swap) return loadDesiredState(options);
      swap = false;
      writeFileSync(file, config('Ccc'));
      const result = await loadDesiredState(options);
      await new Promise((r) => setTimeout(r, 30));
      writeFileSync(file, config('Bbb'));
      return result;
    });
    await warm(read, () => loads);
    writeFileSync(file, config('Bbb'));
    swap = true;
    expect(displayName(await read())).toBe('Ccc');
    expect(displayName(await read())).toBe('Bbb');
  });

  it('a changed value of a variable the config reads is picked up', async () => {
    const { load, env } = setup(config('${NAME}'), { NAME: 'One' });
    const { read, loads } = counted(load);
    await warm(read, loads);
    env['NAME'] = 'Two';
    expect(displayName(await read())).toBe('Two');
  });

  it('a variable that now takes over (NAME set where NAME_FILE was used) is picked up', async () => {
    const { dir, load, env } = setup(config('${NAME}'));
    writeFileSync(join(dir, 'name.txt'), 'From the file\n');
    env['NAME_FILE'] = 'name.txt';
    const { read, loads } = counted(load);
    expect(displayName(await warm(read, loads))).toBe('From the file');
    env['NAME'] = 'From the environment';
    expect(displayName(await read())).toBe('From the environment');
  });

  it('a changed env file value, and a rotated *_FILE secret, are picked up', async () => {
    const { dir, load } = setup(config('${NAME} ${TITLE}'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'NAME=Env\nTITLE_FILE=title.txt\n');
    writeFileSync(join(dir, 'title.txt'), 'First\n');
    const { read, loads } = counted({ ...load, envFiles: [envFile] });
    expect(displayName(await warm(read, loads))).toBe('Env First');
    writeFileSync(envFile, 'NAME=File\nTITLE_FILE=title.txt\n');
    expect(displayName(await read())).toBe('File First');
    await warm(read, loads);
    writeFileSync(join(dir, 'title.txt'), 'Second\n');
    expect(displayName(await read())).toBe('File Second');
  });

  it('a config file added to a config directory is picked up', async () => {
    const { dir } = setup(config('Aaa'));
    const env = {};
    const { read, loads } = counted({ paths: [dir], env, cwd: dir });
    expect((await warm(read, loads)).state?.integrations).toHaveLength(1);
    writeFileSync(join(dir, 'b.yaml'), 'integrations:\n  - unique_key: other\n    provider: posthog\n');
    expect((await read()).state?.integrations).toHaveLength(2);
  });

  it('a change to a variable the config does not read costs no load', async () => {
    const { load, env } = setup(config('${NAME}'), { NAME: 'One', UNRELATED: 'a' });
    const { read, loads } = counted(load);
    await warm(read, loads);
    const n = loads();
    env['UNRELATED'] = 'b';
    await read();
    expect(loads()).toBe(n);
  });

  // Opening a FIFO waits for a writer: the digest must not open what the loader refuses (a daemon that hung here never reconciled again).
  it.skipIf(!hasMkfifo)('an env file or a *_FILE secret that is a FIFO is refused by the load, and never blocks the digest', async () => {
    const { dir, load } = setup(config('${NAME}'), { NAME_FILE: 'name.pipe' });
    execFileSync('mkfifo', [join(dir, 'name.pipe'), join(dir, 'vars.pipe')]);
    const { read, loads } = counted({ ...load, envFiles: [join(dir, 'vars.pipe')] });
    for (let i = 0; i < 3; i++) {
      const result = await read();
      expect(result.state).toBeUndefined();
      expect(result.diagnostics.map((d) => d.message).join('\n')).toMatch(/not a file/);
    }
    expect(loads()).toBeGreaterThan(0);
  }, 10_000);
});

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli, tempConfig } from '../helpers/cli.js';
import { copyBuiltPackage } from '../helpers/package-copy.js';

// src/cli/code-cache.ts: V8 checks a code cache's header (version, flags, source length, payload length)
// but, in a release build, not its payload: damaged bytes there (a torn write, a bad disk) made V8 abort
// the process on every run until the cache was deleted by hand.

it('a cache whose V8 data is damaged (header intact) is not used and is written anew; the command runs as without a cache', async () => {
  const { root, cli } = copyBuiltPackage('code-cache-damage');
  const cacheDir = join(root, 'dist', 'cli', '.v8-cache');
  const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
  const clean = await runCli(['validate', '-c', dir], { cli });
  expect(clean.code, clean.stderr).toBe(0);

  const files = readdirSync(cacheDir);
  expect(files.length).toBeGreaterThan(2);
  // Every cache's V8 part past its own header (64 bytes) damaged at a few places, with non-zero bytes.
  let seed = 7;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (const name of files) {
    const bytes = readFileSync(join(cacheDir, name));
    const start = bytes.indexOf(0) + 1 + 64;
    for (let i = 0; i < 200; i++) bytes[start + (random() % (bytes.length - start))] = 1 + (random() % 255);
    writeFileSync(join(cacheDir, name), bytes);
  }

  const damaged = await runCli(['validate', '-c', dir], { cli });
  expect(damaged).toEqual(clean);
  // Written anew: the next run uses them.
  expect(await runCli(['validate', '-c', dir], { cli })).toEqual(clean);
});

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

// The CLI bundle is CommonJS (rolldown.config.mjs): each package it leaves in node_modules is loaded with
// require(). require() of an ES module works only where Node has require(esm) on by default (20.19+, 22.12+,
// 23+); package.json's engines (>= 20.19) also admits 21 and 22.0 to 22.11, where it throws ERR_REQUIRE_ESM.
// So every package the bundle requires must be CommonJS (or have a CommonJS build); an ES-module-only one is
// inlined into the bundle.

const BUNDLE = join(ROOT, 'dist', 'cli');

/** The bare specifiers of the bundle's require() calls (node: built-ins left out). */
function requiredPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const chunk of readdirSync(BUNDLE).filter((f) => f.endsWith('.js'))) {
    for (const [, id] of readFileSync(join(BUNDLE, chunk), 'utf8').matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
      if (!id!.startsWith('node:')) found.set(id!, chunk);
    }
  }
  return found;
}

/** Whether Node would load `file` as an ES module. */
function isEsModule(file: string): boolean {
  if (extname(file) === '.mjs') return true;
  if (extname(file) === '.cjs') return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: string }).type === 'module';
    } catch {
      // No package.json here: look further up.
    }
  }
  return false;
}

describe('the bundle and require(esm)', () => {
  it('requires no ES-module-only package', () => {
    const packages = requiredPackages();
    expect(packages.size).toBeGreaterThan(2); // pino, prom-client, node-cron...
    const resolve = createRequire(join(BUNDLE, 'nango-gitops.js')).resolve;
    const esm = [...packages].filter(([id]) => isEsModule(resolve(id))).map(([id, chunk]) => `${id} (${chunk})`);
    expect(esm).toEqual([]);
  });

  // The flag that turns require(esm) off, where this Node still has it.
  const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module');
  it.skipIf(!noRequireEsm)('every command loads where Node has no require(esm) (Node 22.0 to 22.11, 21)', async () => {
    for (const command of ['validate', 'plan', 'apply', 'export', 'daemon']) {
      // --help loads the command's module, and with it every package that module requires when it loads.
      const r = await runCli([command, '--help'], { nodeArgs: ['--no-experimental-require-module'] });
      expect(r.stderr, command).toBe('');
      expect(r.code, command).toBe(0);
    }
  });
});

describe('the CommonJS bundle', () => {
  it('is strict mode in every chunk, as the ES-module sources it is built from were', () => {
    for (const chunk of readdirSync(BUNDLE).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(BUNDLE, chunk), 'utf8').replace(/^#!.*\n/, '');
      expect(text.startsWith('"use strict";'), chunk).toBe(true);
    }
  });
});

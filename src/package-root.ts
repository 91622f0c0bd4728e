import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtin } from './builtin.js';

// Not `import ... from 'node:fs'`: an ES-module import of node:fs also loads its streams (~2 ms), and
// top-level --help (src/cli/built-help.ts) needs nothing else of it.
const { existsSync, readFileSync } = builtin('node:fs');

let cached: string | undefined;

/**
 * The directory holding package.json and schemas/. Walking up (rather than a fixed `../..`) works both from
 * `src/` under vitest and from `dist/src/` after a build; generated/ sits beside it. The bundle's own
 * package.json (dist/cli/, which only makes its files CommonJS) has no schemas/ beside it.
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find package.json above the nango-gitops sources');
    dir = up;
  }
  cached = dir;
  return dir;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

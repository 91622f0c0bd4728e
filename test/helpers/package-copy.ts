import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * A copy of the built package (package.json, schemas, generated files, the bundle) that a test may change
 * without touching what the suite's other CLI runs use; node_modules is linked, as an install has it.
 * Returns the copy's root and its CLI.
 */
export function copyBuiltPackage(label: string): { root: string; cli: string } {
  const root = mkdtempSync(join(tmpdir(), `nango-gitops-${label}-`));
  for (const part of ['package.json', 'schemas', 'generated', 'dist/cli']) {
    cpSync(join(ROOT, part), join(root, part), { recursive: true, filter: (src) => !src.includes('.v8-cache') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, cli: join(root, 'dist', 'cli', 'nango-gitops.js') };
}

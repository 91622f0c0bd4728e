#!/usr/bin/env -S node --
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtHelp } from './built-help.js';
import { installCodeCache } from './code-cache.js';
import { packageRoot } from '../package-root.js';
import { writeStdout } from './stdio.js';

const help = builtHelp(process.argv);
if (help !== undefined) {
  writeStdout(help);
} else {
  // The bundle (rolldown.config.mjs) is CommonJS so that V8's code cache can be handed back (code-cache.ts).
  // Not under V8 flags (the image runs the daemon with some): a cache made with other flags is rejected.
  const bundle = dirname(fileURLToPath(import.meta.url));
  if (process.execArgv.length === 0 && process.env['NODE_DISABLE_COMPILE_CACHE'] === undefined) {
    // The chunks, and the CommonJS files the build generates (the config validator, yaml's push parser).
    const generated = join(packageRoot(), 'generated');
    installCodeCache({
      dir: join(bundle, '.v8-cache'),
      cacheable: (file) => dirname(file) === bundle || dirname(file) === generated,
      run: process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? '',
    });
  }
  // Not a top-level await: the bundle is CommonJS.
  void import('./program.js').then(async ({ programFor }) => {
    const program = await programFor(process.argv);
    await program.parseAsync(process.argv);
  });
}

#!/usr/bin/env -S node --
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtHelp } from './built-help.js';
import { installCodeCache } from './code-cache.js';
import { packageRoot } from '../package-root.js';
import { outputPending, writeStdout } from './stdio.js';

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
    // A command has nothing left to do once it returns (the daemon returns only to exit): its output and its log
    // lines went out synchronously. Exiting here skips tearing the heap down (~3 ms after a plan of 1,000).
    // Output that had to go through a stream (a write that would have blocked) is left to drain first.
    if (!outputPending()) process.exit();
  });
}

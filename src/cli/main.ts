#!/usr/bin/env -S node --
import { builtHelp } from './built-help.js';

const help = builtHelp(process.argv);
if (help !== undefined) {
  process.stdout.write(help);
} else {
  const { programFor } = await import('./program.js');
  const program = await programFor(process.argv);
  await program.parseAsync(process.argv);
}

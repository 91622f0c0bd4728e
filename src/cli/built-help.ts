// Top-level `--help` as the build wrote it from the full program (scripts/build-command-index.ts): printing
// it loads neither commander nor any command, about a third of the CLI's start-up for this one case.
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { stdoutIsTerminal } from './stdio.js';
import { builtin } from '../builtin.js';

export function builtHelpPath(): string {
  return join(packageRoot(), 'generated', 'cli-help.json');
}

/**
 * The written text when `argv` asks for top-level help and it is what commander would print: only when
 * stdout is not a terminal, since commander wraps help to a terminal's width (80 columns otherwise, as the
 * text was written). Undefined otherwise, or without the file: the caller then builds the program.
 */
export function builtHelp(argv: readonly string[]): string | undefined {
  if (argv.length !== 3 || (argv[2] !== '--help' && argv[2] !== '-h') || stdoutIsTerminal()) return undefined;
  try {
    // Not `import ... from 'node:fs'`: an ES-module import of node:fs also loads its streams (~2 ms).
    const text: unknown = JSON.parse(builtin('node:fs').readFileSync(builtHelpPath(), 'utf8'));
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

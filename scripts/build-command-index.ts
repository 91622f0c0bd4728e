// Build step: the commands top-level help lists, from the commands themselves, so that
// `nango-gitops --help` loads none of them (see src/cli/command-index.ts for the run-time side), and the
// whole top-level help as the full program prints it to a pipe (src/cli/built-help.ts).
import { writeFileAtomic } from './build-files.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { builtHelpPath } from '../src/cli/built-help.js';
import { commandIndex, commandIndexPath } from '../src/cli/command-index.js';
import { buildProgram } from '../src/cli/program.js';

const program = await buildProgram();
const index = commandIndex(program);
const path = commandIndexPath();
mkdirSync(dirname(path), { recursive: true });
writeFileAtomic(path, `${JSON.stringify(index, null, 1)}\n`);
process.stdout.write(`wrote the command index (${index.length} commands) to ${path}\n`);

// As commander writes it when stdout is not a terminal, whatever this build's stdout is: 80 columns, no colour.
let help = '';
program.configureOutput({ getOutHelpWidth: () => 80, getOutHasColors: () => false, writeOut: (text) => (help += text) });
program.outputHelp();
writeFileAtomic(builtHelpPath(), `${JSON.stringify(help)}\n`);
process.stdout.write(`wrote the top-level help to ${builtHelpPath()}\n`);

// Build step: the commands top-level help lists, from the commands themselves, so that
// `nango-gitops --help` loads none of them (see src/cli/command-index.ts for the run-time side).
import { writeFileAtomic } from './build-files.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { commandIndex, commandIndexPath } from '../src/cli/command-index.js';
import { buildProgram } from '../src/cli/program.js';

const index = commandIndex(await buildProgram());
const path = commandIndexPath();
mkdirSync(dirname(path), { recursive: true });
writeFileAtomic(path, `${JSON.stringify(index, null, 1)}\n`);
process.stdout.write(`wrote the command index (${index.length} commands) to ${path}\n`);

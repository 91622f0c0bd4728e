#!/usr/bin/env -S node --
import { programFor } from './program.js';

const program = await programFor(process.argv);
await program.parseAsync(process.argv);

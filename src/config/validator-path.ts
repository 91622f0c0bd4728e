import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** Written by `npm run build` (scripts/build-validator.ts): compiling the schema at every start costs ~100 ms. */
export function prebuiltValidatorPath(): string {
  return join(packageRoot(), 'generated', 'config-validator.cjs');
}

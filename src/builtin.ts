// A built-in module, loaded where it is needed rather than at the top of a module: a command that never
// meets https or a compressed answer does not load node:https or node:zlib, and top-level --help loads
// almost nothing. process.getBuiltinModule() came with Node 20.16 and 22.3, but the engines (>= 20.19)
// also admit Node 21 and 22.0-22.2, which lack it: there the CommonJS loader gives the same module.
import { createRequire } from 'node:module';

let fallback: NodeJS.Require | undefined;

export const builtin = ((id: string): unknown =>
  typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(id) : (fallback ??= createRequire(import.meta.url))(id)) as typeof process.getBuiltinModule;

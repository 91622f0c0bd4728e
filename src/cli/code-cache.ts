// Node 20 has no compile cache for an application's own code (module.enableCompileCache() came with 22.1),
// and compiling the bundle was about a third of `validate`'s start-up: V8 parses each chunk, then compiles
// every function the first time it runs. This keeps V8's code cache of each chunk, taken once the command
// has run (so it holds the functions that run compiled, not only the top level), and hands it back to V8
// the next time. V8 rejects a cache made by another V8 version or with other flags, or for a source of
// another length; a stamp of the file's size and mtime guards against edits of the same length.
//
// The cache sits in the bundle's own directory: only whoever can write the code can write the cache, so it
// can never run anything the code could not (a shared directory such as /tmp would let another user plant
// bytecode). Where that directory is read-only, nothing is written and each run compiles as before.
import type { Script } from 'node:vm';
import { basename, dirname, join } from 'node:path';

const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');

/** The part of node:module's Module this needs: `_compile` is how Node runs a CommonJS file's text. */
interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

const MAGIC = 'nango-gitops code cache 1\n';

interface Entry {
  script: Script;
  file: string;
  stamp: string;
  runs: readonly string[];
}

function stampOf(filename: string): string {
  const s = statSync(filename);
  return `${s.size}:${s.mtimeMs}`;
}

/** The header: magic, the source's stamp, the commands whose runs the cache holds; then V8's data. */
function readCache(file: string, stamp: string): { data: Buffer; runs: string[] } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(0);
  if (end < 0) return undefined;
  const [magic, seen, runs] = bytes.toString('latin1', 0, end).split('\n');
  if (`${magic}\n` !== MAGIC || seen !== stamp || runs === undefined) return undefined;
  return { data: bytes.subarray(end + 1), runs: runs === '' ? [] : runs.split(',') };
}

function writeCache(entry: Entry): void {
  const header = Buffer.from(`${MAGIC}${entry.stamp}\n${entry.runs.join(',')}\0`, 'latin1');
  const tmp = `${entry.file}.${process.pid}.tmp`;
  // Written whole, then renamed: a process starting meanwhile reads the old cache or the new, never half.
  writeFileSync(tmp, Buffer.concat([header, entry.script.createCachedData()]));
  renameSync(tmp, entry.file);
}

export interface CodeCacheOptions {
  /** Where the cache files go: one per cached source, named after it. */
  dir: string;
  /** Which CommonJS files to cache (the bundle's chunks). */
  cacheable: (filename: string) => boolean;
  /** What this run does (the command): a cache made by other runs is extended by this one's functions. */
  run: string;
}

/**
 * Compiles the cacheable files with their cache, and writes the cache of each at exit when it had none,
 * V8 rejected it, or this kind of run has not added its functions yet. Any failure to read or write a
 * cache only costs the compile it would have saved.
 */
export function installCodeCache(options: CodeCacheOptions): void {
  const { dir, cacheable, run } = options;
  // Loaded here, not at the top: top-level --help runs this file and needs neither.
  const Module = process.getBuiltinModule('node:module');
  const vm = process.getBuiltinModule('node:vm');
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const compile = proto._compile;
  const pending: Entry[] = [];
  proto._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (!cacheable(filename)) return compile.call(this, content, filename);
    const file = join(dir, `${basename(filename)}.v8`);
    const stamp = stampOf(filename);
    const cached = readCache(file, stamp);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      ...(cached ? { cachedData: cached.data } : {}),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!cached || script.cachedDataRejected === true) pending.push({ script, file, stamp, runs: [run] });
    else if (!cached.runs.includes(run)) pending.push({ script, file, stamp, runs: [...cached.runs, run] });
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: CompilingModule, filename: string, dirname: string) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
  process.once('exit', () => {
    if (pending.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true });
      for (const entry of pending) writeCache(entry);
    } catch {
      // Read-only install, full disk: the next run compiles, as without a cache.
    }
  });
}

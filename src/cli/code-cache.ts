// Node 20 has no compile cache for an application's own code (module.enableCompileCache() came with 22.1),
// and compiling the bundle was about a third of `validate`'s start-up: V8 parses each chunk, then compiles
// every function the first time it runs. This keeps V8's code cache of each chunk, taken once the command
// has run (so it holds the functions that run compiled, not only the top level), and hands it back to V8
// the next time. V8 rejects a cache made by another V8 version or with other flags, or for a source of
// another length; a stamp of the Node release and of the file's size and mtime covers the rest. A release
// V8 does not check the cache's payload (its checksum is off): damaged bytes there, from a torn write or a
// bad disk, make it abort the process, on every run. So the header also holds the payload's SHA-256.
//
// The cache sits in the bundle's own directory: only whoever can write the code can write the cache, so it
// can never run anything the code could not (a shared directory such as /tmp would let another user plant
// bytecode). Where that directory is read-only, nothing is written and each run compiles as before.
import type { Script } from 'node:vm';
import { basename, dirname, join } from 'node:path';
import { builtin } from '../builtin.js';

const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = builtin('node:fs');

/** The part of node:module's Module this needs: `_compile` is how Node runs a CommonJS file's text. */
interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

const MAGIC = 'nango-gitops code cache 4\n';

interface Entry {
  script: Script;
  file: string;
  stamp: string;
}

/**
 * The Node release and the source's size and mtime. V8 checks its own version, not Node's: Node patches V8
 * between releases, and a cache made by Node 20.20 and read by 20.19 (same V8 version) broke the code it
 * held ("[...].join is not a function").
 */
function stampOf(filename: string): string {
  const s = statSync(filename);
  return `${process.version} ${process.arch} ${s.size}:${s.mtimeMs}`;
}

/**
 * The payload's SHA-256, from node:crypto, which every command that reads a cache loads anyway (node:zlib's
 * crc32 cost another ~1 ms to load, and is missing before Node 20.15 and 22.2).
 */
function checksum(data: Buffer): string {
  return builtin('node:crypto').createHash('sha256').update(data).digest('hex');
}

/** The header: magic, the source's stamp and the SHA-256 of V8's data; then V8's data. */
function readCache(file: string, stamp: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(0);
  if (end < 0) return undefined;
  const header = bytes.toString('latin1', 0, end);
  const prefix = `${MAGIC}${stamp}\n`;
  if (!header.startsWith(prefix)) return undefined;
  const data = bytes.subarray(end + 1);
  return header.slice(prefix.length) === checksum(data) ? data : undefined;
}

function writeCache(entry: Entry): void {
  const data = entry.script.createCachedData();
  const header = Buffer.from(`${MAGIC}${entry.stamp}\n${checksum(data)}\0`, 'latin1');
  const tmp = `${entry.file}.${process.pid}.tmp`;
  // Written whole, then renamed: a process starting meanwhile reads the old cache or the new, never half.
  writeFileSync(tmp, Buffer.concat([header, data]));
  renameSync(tmp, entry.file);
}

export interface CodeCacheOptions {
  /** Where the cache files go: one per cached source and command, named after both. */
  dir: string;
  /** Which CommonJS files to cache (the bundle's chunks). */
  cacheable: (filename: string) => boolean;
  /**
   * What this run does (the command). Each command has its own cache of a chunk: V8 deserializes all of a
   * cache, so a validate would otherwise pay for the functions only plan runs (~15 % more).
   */
  run: string;
}

/**
 * Compiles the cacheable files with their cache, and writes the cache of each at exit when it had none or
 * V8 rejected it. Any failure to read or write a cache only costs the compile it would have saved.
 */
export function installCodeCache(options: CodeCacheOptions): void {
  const { dir, cacheable } = options;
  const run = /^[a-z]{1,16}$/.test(options.run) ? options.run : 'other';
  // Loaded here, not at the top: top-level --help runs this file and needs neither.
  const Module = builtin('node:module');
  const vm = builtin('node:vm');
  const proto = (Module as unknown as { prototype: CompilingModule }).prototype;
  const compile = proto._compile;
  const pending: Entry[] = [];
  proto._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (!cacheable(filename)) return compile.call(this, content, filename);
    const file = join(dir, `${basename(filename)}.${run}.v8`);
    const stamp = stampOf(filename);
    const cachedData = readCache(file, stamp);
    // No importModuleDynamically: Node 20 cannot resolve an import() from code that came from a cache, so
    // the bundle has none (code-cache.test.ts checks), and one would fail on the first run as on the next.
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected === true) pending.push({ script, file, stamp });
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

// A trigger with nothing changed must not parse, interpolate and validate the whole config again (at
// 1,000 integrations that is most of a reconcile's CPU). What a load made of the config is kept, keyed by
// everything it depends on: the config files found, the env files, the value of every variable it looked
// up, and every `*_FILE` secret those name (each file's bytes and stat version). Only that result is kept:
// the parse trees go with the load.
import { createHash, type Hash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { discoverConfigFiles, type Discovery } from '../config/discover.js';
import { readRegularFile } from '../config/regular-file.js';
import type { LoadOptions } from '../config/types.js';

type Env = LoadOptions['env'];

/** The names a load looked up in the environment; `all` once it enumerated it. */
interface Reads {
  names: Set<string>;
  all: boolean;
}

/** `env` as seen by a load, noting every name it asks for. */
function recordingEnv(env: Env, reads: Reads): Env {
  return new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') reads.names.add(name);
      return Reflect.get(target, name) as unknown;
    },
    has(target, name) {
      if (typeof name === 'string') reads.names.add(name);
      return Reflect.has(target, name);
    },
    getOwnPropertyDescriptor(target, name) {
      if (typeof name === 'string') reads.names.add(name);
      return Reflect.getOwnPropertyDescriptor(target, name);
    },
    ownKeys(target) {
      reads.all = true;
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * Hashes a file's version (as the settle reader marks it) and bytes; returns the bytes. The bytes alone miss
 * a file rewritten during a load and put back before it ended: the load saw other bytes, the digests around
 * it the same, and its result would be kept (then applied, or pruned from) once the files were quiet again.
 */
function addFile(hash: Hash, label: string, path: string): Buffer | undefined {
  hash.update(`${label}\0${path}\0`);
  try {
    // Synchronous: small local files read on every trigger, where each promise-based call costs about ten
    // times the CPU (V8's interpreter, the thread pool's round trip) for no concurrency gained.
    const info = statSync(path);
    hash.update(`${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}\0`);
    // The loader refuses anything but a regular file (readRegularFile never waits on a FIFO's writer).
    const read = readRegularFile(path, Number.MAX_SAFE_INTEGER);
    if (!('bytes' in read)) {
      hash.update('!not-a-file\0');
      return undefined;
    }
    hash.update(read.bytes).update('\0');
    return read.bytes;
  } catch (err) {
    hash.update(`!${(err as NodeJS.ErrnoException).code ?? 'error'}\0`);
    return undefined;
  }
}

/** A digest of every input a load with these reads depends on (never shown: it covers secrets). */
async function inputsDigest(load: LoadOptions, reads: Reads, discovered?: Discovery): Promise<string> {
  const cwd = load.cwd ?? process.cwd();
  const hash = createHash('sha256');
  const discovery = discovered ?? (await discoverConfigFiles(load.paths, cwd, load.defaultPath === true));
  hash.update(JSON.stringify(discovery.diagnostics));
  for (const file of discovery.files) addFile(hash, 'config', file.path);

  // Env files in order, a later one overriding an earlier one, as the loader reads them: `*_FILE` paths may come from them.
  const fromEnvFiles: Record<string, string> = {};
  for (const f of load.envFiles ?? []) {
    const bytes = addFile(hash, 'env-file', resolve(cwd, f));
    if (bytes === undefined) continue;
    for (const [k, v] of Object.entries(parseEnv(bytes.toString('utf8')))) if (v !== undefined) fromEnvFiles[k] = v;
  }

  const names = reads.all ? Object.keys(load.env) : [...reads.names];
  for (const name of names.sort()) {
    const value = Object.hasOwn(load.env, name) ? load.env[name] : undefined;
    hash.update(`var\0${name}\0${value === undefined ? '\u0001' : `=${value}`}\0`);
    if (!name.endsWith('_FILE')) continue;
    const path = value ?? fromEnvFiles[name];
    if (path !== undefined && path !== '') addFile(hash, 'secret-file', resolve(cwd, path));
  }
  return hash.digest('hex');
}

/**
 * `compute(load)` once per version of its inputs: a call whose inputs are unchanged since the last
 * returns the same result, after reading and hashing them (no parse). A result is reused only once two
 * digests, taken before and after the load that made it with the same variables looked up, agree: a file
 * written while it was read is read again next time.
 */
export function memoizeLoad<T>(load: LoadOptions, compute: (load: LoadOptions) => Promise<T>): (discovered?: Discovery) => Promise<T> {
  let last: { reads: Reads; digest: string; value: T | undefined } | undefined;
  /** `discovered`: the config files as just found by the caller (saves looking again). */
  return async (discovered) => {
    const before = await inputsDigest(load, last?.reads ?? { names: new Set(), all: false }, discovered);
    if (last?.value !== undefined && last.digest === before) return last.value;
    const reads: Reads = { names: new Set(), all: false };
    const value = await compute({ ...load, env: recordingEnv(load.env, reads) });
    const after = await inputsDigest(load, reads);
    const sameReads = last !== undefined && last.reads.all === reads.all && last.reads.names.size === reads.names.size && [...reads.names].every((n) => last?.reads.names.has(n));
    last = { reads, digest: after, value: sameReads && before === after ? value : undefined };
    return value;
  };
}

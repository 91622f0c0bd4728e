import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { error } from './diagnostics.js';
import type { Lookup, LookupResult } from './interpolate.js';
import type { Diagnostic } from './types.js';
import { readRegularFile } from './regular-file.js';

const MAX_SECRET_FILE_BYTES = 1024 * 1024;

/** The key that drives this tool must never be copied into the integrations it manages. */
const FORBIDDEN = new Set(['NANGO_SECRET_KEY', 'NANGO_SECRET_KEY_FILE']);

export interface EnvFiles {
  values: Record<string, string>;
  /** Absolute paths, for watching. */
  paths: string[];
  diagnostics: Diagnostic[];
}

/** dotenv files in order; a later file overrides an earlier one (the real environment beats both). */
export async function readEnvFiles(files: readonly string[], cwd: string): Promise<EnvFiles> {
  const values: Record<string, string> = {};
  const paths: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    const abs = resolve(cwd, f);
    paths.push(abs);
    let text: string;
    try {
      const read = readRegularFile(abs, MAX_SECRET_FILE_BYTES);
      if ('notFile' in read) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      if ('tooLarge' in read) {
        diagnostics.push(error(`env file ${f} is larger than 1 MiB; refusing to read it`));
        continue;
      }
      text = read.bytes.toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'not a file' : (code ?? 'unreadable');
      diagnostics.push(error(`env file ${f}: ${why}`));
      continue;
    }
    const parsed = parseEnv(text);
    for (const [k, v] of Object.entries(parsed)) if (v !== undefined) values[k] = v;
  }
  return { values, paths, diagnostics };
}

export interface EnvLookup {
  lookup: Lookup;
  /** `*_FILE` files actually read. */
  watchPaths: Set<string>;
}

/** Strips exactly one trailing newline, as Docker/Kubernetes secret files usually end with one. */
export function stripOneNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n')) return s.slice(0, -1);
  return s;
}

/**
 * Resolution order for NAME: the real environment, then env files, then the file named by NAME_FILE
 * (looked up the same way), so the `_FILE` convention of Docker secrets works unchanged.
 */
export function createEnvLookup(
  env: Readonly<Record<string, string | undefined>>,
  envFileValues: Readonly<Record<string, string>>,
  cwd: string,
): EnvLookup {
  const watchPaths = new Set<string>();
  const cache = new Map<string, LookupResult>();
  const direct = (name: string): string | undefined =>
    Object.hasOwn(env, name) && env[name] !== undefined ? env[name] : Object.hasOwn(envFileValues, name) ? envFileValues[name] : undefined;

  const lookup = (name: string): LookupResult => {
    const value = direct(name);
    if (value !== undefined) return value;
    if (cache.has(name)) return cache.get(name);
    const fileVar = `${name}_FILE`;
    const filePath = direct(fileVar);
    let result: LookupResult;
    if (filePath === undefined || filePath === '') {
      result = undefined;
    } else {
      const abs = resolve(cwd, filePath);
      watchPaths.add(abs);
      result = readSecretFile(abs, fileVar);
    }
    cache.set(name, result);
    return result;
  };
  return { lookup, watchPaths };
}

function readSecretFile(abs: string, fileVar: string): LookupResult {
  try {
    const read = readRegularFile(abs, MAX_SECRET_FILE_BYTES);
    if ('notFile' in read) return { error: `${fileVar} names ${abs}, which is not a file` };
    if ('tooLarge' in read) return { error: `${fileVar} names ${abs}, which is larger than 1 MiB` };
    return stripOneNewline(read.bytes.toString('utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? 'error'})`;
    return { error: `${fileVar} names ${abs}, which ${why}` };
  }
}

/**
 * Which variables config files may reference: never the Nango key, and only `--env-prefix` ones when given.
 * An environment's `secret_key` is where the key belongs, so it may name NANGO_SECRET_KEY (`allowNangoKey`).
 */
export function referencePolicy(prefixes: readonly string[] | undefined, options: { allowNangoKey?: boolean } = {}): (name: string) => string | undefined {
  return (name) => {
    if (FORBIDDEN.has(name) && options.allowNangoKey !== true) return `${name} may not be referenced in config files (it is the key nango-gitops itself uses)`;
    if (prefixes && prefixes.length > 0 && !prefixes.some((p) => name.startsWith(p))) {
      return `${name} is not allowed by --env-prefix (allowed: ${prefixes.join(', ')})`;
    }
    return undefined;
  };
}

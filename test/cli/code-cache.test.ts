import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAst } from 'rolldown/parseAst';
import { ROOT, runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { copyBuiltPackage } from '../helpers/package-copy.js';
import { useEmulator } from '../helpers/emulator.js';

// src/cli/code-cache.ts: V8's code cache of each chunk of the bundle, in dist/cli/.v8-cache. Each test runs
// its own copy of the package, so the suite's other CLI runs (which share dist/cli) cannot touch its cache.

const fixture = useEmulator();

let root = '';
let cli = '';
let cacheDir = '';

beforeEach(() => {
  ({ root, cli } = copyBuiltPackage('code-cache'));
  cacheDir = join(root, 'dist', 'cli', '.v8-cache');
});

const config = (): string => tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
const validate = (dir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<CliResult> => runCli(['validate', '-c', dir], { cli, env, nodeArgs });

/** The cache file of the chunk whose source holds `text` (chunk names are the bundler's), for `command`. */
function cacheOf(text: string, command: string): string {
  const dir = join(root, 'dist', 'cli');
  const chunks = readdirSync(dir).filter((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes(text));
  expect(chunks, text).toHaveLength(1);
  return `${chunks[0]!}.${command}.v8`;
}
/** The chunk of the config stage (yaml's composer, the checks), and the one of the program (commander's setup). */
const CONFIG_STAGE = 'function parseConfigText(';
const PROGRAM = 'function programFor(';

/** Each cache file and its modification time (ns): a file rewritten gets a new one. */
function caches(): Map<string, bigint> {
  if (!existsSync(cacheDir)) return new Map();
  return new Map(readdirSync(cacheDir).map((f) => [f, statSync(join(cacheDir, f), { bigint: true }).mtimeNs]));
}

describe('code cache', () => {
  it('no chunk of the bundle uses import(): from a cached chunk Node 20 cannot resolve one', () => {
    const found: string[] = [];
    const visit = (node: unknown, file: string): void => {
      if (Array.isArray(node)) for (const child of node) visit(child, file);
      else if (node !== null && typeof node === 'object') {
        if ((node as { type?: string }).type === 'ImportExpression') found.push(file);
        for (const value of Object.values(node)) visit(value, file);
      }
    };
    const dir = join(ROOT, 'dist', 'cli');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) visit(parseAst(readFileSync(join(dir, file), 'utf8'), {}, file).body, file);
    expect(found).toEqual([]);
  });

  it('a run writes a cache of each chunk it loaded (and of the generated CommonJS files); the next run uses it and writes nothing', async () => {
    const dir = config();
    const first = await validate(dir);
    expect(first.code, first.stderr).toBe(0);
    const written = caches();
    const chunks = readdirSync(join(root, 'dist', 'cli')).filter((f) => f.endsWith('.js') && f !== 'nango-gitops.js');
    expect([...written.keys()].length).toBeGreaterThan(2);
    const generated = readdirSync(join(root, 'generated')).filter((f) => f.endsWith('.cjs'));
    for (const name of written.keys()) expect([...chunks, ...generated].map((c) => `${c}.validate.v8`)).toContain(name);
    for (const name of generated) expect(written.has(`${name}.validate.v8`), name).toBe(true);
    // validate loads no HTTP client: the plan's chunks have no cache yet.
    expect([...written.keys()].some((f) => f.startsWith('plan-run-'))).toBe(false);

    const second = await validate(dir);
    expect(second).toEqual(first);
    // V8 accepted every cache: a rejected one would be rewritten.
    expect(caches()).toEqual(written);
  });

  it('each command keeps its own cache of a chunk: a validate never deserializes what only plan compiled', async () => {
    const dir = config();
    expect((await validate(dir)).code).toBe(0);
    const forValidate = caches();
    const rules = cacheOf(CONFIG_STAGE, 'validate');
    expect(forValidate.has(rules)).toBe(true);

    const plan = await runCli(['plan', '-c', dir], { cli, env: fixture.env() });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('1 to create');
    const after = caches();
    // validate's caches untouched; plan has its own, of the chunks it loaded (the HTTP client's among them).
    for (const [name, mtime] of forValidate) expect(after.get(name), name).toBe(mtime);
    expect(after.has(rules!.replace('.validate.v8', '.plan.v8'))).toBe(true);
    expect([...after.keys()].some((f) => /^plan-run-.*\.plan\.v8$/.test(f))).toBe(true);
    expect([...after.keys()].some((f) => f.startsWith('plan-run-') && f.endsWith('.validate.v8'))).toBe(false);

    expect((await runCli(['plan', '-c', dir], { cli, env: fixture.env() })).code).toBe(0);
    expect((await validate(dir)).code).toBe(0);
    expect(caches()).toEqual(after);
  });

  it('a cache V8 rejects (damaged) or of an edited file (other mtime) is not used, and is written anew', async () => {
    const dir = config();
    const clean = await validate(dir);
    const before = caches();
    const rules = cacheOf(CONFIG_STAGE, 'validate');
    const options = cacheOf(PROGRAM, 'validate');
    expect(rules).not.toBe(options);
    expect(before.has(rules) && before.has(options)).toBe(true);

    // Same header, V8's part overwritten with zeros: V8's checksum or sanity check fails.
    const bytes = readFileSync(join(cacheDir, rules));
    bytes.fill(0, bytes.indexOf(0) + 1);
    writeFileSync(join(cacheDir, rules), bytes);
    // The chunk "edited": its stamp (size and mtime) no longer matches the header.
    const chunk = join(root, 'dist', 'cli', options.slice(0, -'.validate.v8'.length));
    utimesSync(chunk, new Date(), new Date(Date.now() + 5_000));
    const damaged = caches();

    expect(await validate(dir)).toEqual(clean);
    const after = caches();
    expect(after.get(rules)).not.toBe(damaged.get(rules));
    expect(after.get(options)).not.toBe(damaged.get(options));
    expect(readFileSync(join(cacheDir, rules)).subarray(-64).some((b) => b !== 0)).toBe(true);
    // The other chunks' caches were good and stay as they were.
    for (const [name, mtime] of after) if (name !== rules && name !== options) expect(mtime, name).toBe(before.get(name));
  });

  it('nothing is written where the bundle is read-only, under node flags, or with NODE_DISABLE_COMPILE_CACHE; the output is the same', async () => {
    const dir = config();
    const expected = await validate(dir);
    expect(expected.code).toBe(0);
    rmSync(cacheDir, { recursive: true });

    // An unprivileged user (the install belongs to root, as with `npm install -g` or the image).
    if (process.getuid?.() === 0) {
      chmodSync(root, 0o755);
      chmodSync(dir, 0o755);
      const other = await runCli(['validate', '-c', dir], { cli, uid: 65534, gid: 65534 });
      expect(other).toEqual(expected);
      expect(existsSync(cacheDir)).toBe(false);
    }
    expect(await validate(dir, {}, ['--max-semi-space-size=1'])).toEqual(expected);
    expect(await validate(dir, { NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(expected);
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('a cache directory that cannot be made costs nothing but the cache', async () => {
    const dir = config();
    writeFileSync(cacheDir, 'not a directory');
    const r = await validate(dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Valid: 1 integration in 1 file.\n');
  });
});

// Hostile and broken config, run through the built CLI as a user would. Each committed case is a
// directory under corpus/ with the config files and an expect.json; cases that cannot be committed
// (50 MB, binary, symlinks, unreadable files, FIFOs) are generated in temp dirs by the tests below.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type SeedIntegration } from '../emulator/server.js';
import { runCli, type CliResult, type RunCliOptions } from '../helpers/cli.js';
import { hasMkfifo } from '../helpers/mkfifo.js';

interface Expectation {
  exit: number;
  /** Regex (multiline) the whole stderr must match. */
  stderr: string;
  /** Also run `plan` against an emulator and check that no request reaches it. */
  plan?: boolean;
  /** With plan: pass --prune, so a config that slipped through would delete. */
  prune?: boolean;
  env?: Record<string, string>;
  args?: string[];
  /** What locates the problem: file:line:col (default), an env var name, or a path (file-level problems). */
  locate?: 'file' | 'env' | 'path';
  /** Exact number of error lines, for cases that must report every problem (or exactly one). */
  errors?: number;
}

interface Case {
  name: string;
  /** Relative to the repository root, which is the CLI's cwd: messages show this path. */
  dir: string;
  expect: Expectation;
}

const CORPUS = join(import.meta.dirname, 'corpus');
const CASES: Case[] = readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .map((name) => ({
    name,
    dir: `test/hostile/corpus/${name}`,
    expect: JSON.parse(readFileSync(join(CORPUS, name, 'expect.json'), 'utf8')) as Expectation,
  }));

/** Present in the environment of every run; none may ever appear in any output. */
const CANARY_SECRET = 'canary-secret-0a9f77e1';
const BASE_ENV = { CANARY_SECRET, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY };

function canaries(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => (name.startsWith('CANARY_') || name.endsWith('_SECRET') || name === 'NANGO_SECRET_KEY') && value.length >= 6)
    .map(([, value]) => value);
}

const LOCATED = /^(?:warning: )?\S+:\d+:\d+: /;
const ENV_LEVEL = /^(?:warning: )?env [A-Za-z_][A-Za-z0-9_]*: /;

/**
 * The contract for bad input: the expected exit code, one line per problem (no stack trace, no
 * runtime warning, no OOM report), a location on the problem, and no secret anywhere.
 */
function expectRejected(r: CliResult, e: Expectation, env: Record<string, string>, pathHint?: string): void {
  const context = `exit ${String(r.code)}\nstderr:\n${r.stderr.slice(0, 4000)}\nstdout:\n${r.stdout.slice(0, 2000)}`;
  expect(r.code, context).toBe(e.exit);
  expect(r.stderr, context).toMatch(new RegExp(e.stderr, 'm'));
  expect(r.stderr, context).not.toMatch(/^\s+at /m);
  expect(r.stderr, context).not.toMatch(/internal error|FATAL ERROR|heap out of memory|\(node:\d+\)|--trace-warnings/);

  const lines = r.stderr.split('\n').filter((l) => l !== '');
  for (const line of lines) {
    const wellFormed = LOCATED.test(line) || ENV_LEVEL.test(line) || line.startsWith('error: ') || (pathHint !== undefined && line.includes(pathHint));
    expect(wellFormed, `not a one-line diagnostic: ${JSON.stringify(line)}\n${context}`).toBe(true);
  }
  const errors = lines.filter((l) => !l.startsWith('warning: '));
  expect(errors.length, context).toBeGreaterThan(0);
  if (e.errors !== undefined) expect(errors.length, context).toBe(e.errors);

  switch (e.locate ?? 'file') {
    case 'file':
      expect(errors.some((l) => /\.ya?ml:\d+:\d+: /.test(l)), context).toBe(true);
      break;
    case 'env':
      expect(errors.some((l) => /\b[A-Z][A-Z0-9_]*[A-Z0-9]\b/.test(l) && (LOCATED.test(l) || ENV_LEVEL.test(l))), context).toBe(true);
      break;
    case 'path':
      expect(pathHint, 'a path-located case needs a path hint').toBeDefined();
      expect(errors.some((l) => l.includes(pathHint ?? '\u0000')), context).toBe(true);
      break;
  }
  for (const secret of canaries(env)) {
    expect(r.stderr, `secret leaked on stderr\n${context}`).not.toContain(secret);
    expect(r.stdout, `secret leaked on stdout\n${context}`).not.toContain(secret);
  }
}

function pathHintOf(c: Case): string {
  return c.expect.env?.['NANGO_GITOPS_ENV_FILE'] ?? c.dir;
}

describe('corpus', () => {
  it('holds at least 40 cases, each with a usable expect.json', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    for (const c of CASES) {
      expect([1, 3], c.name).toContain(c.expect.exit);
      expect(() => new RegExp(c.expect.stderr, 'm'), c.name).not.toThrow();
      expect(readdirSync(join(CORPUS, c.name)).some((f) => /\.ya?ml$/.test(f)), `${c.name} has no config file`).toBe(true);
    }
  });
});

describe('validate rejects every corpus case', () => {
  it.concurrent.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const env = { ...BASE_ENV, ...c.expect.env };
    const r = await runCli(['validate', '-c', c.dir, ...(c.expect.args ?? [])], { env });
    expectRejected(r, c.expect, env, pathHintOf(c));
    expect(r.stdout).not.toContain('Valid:');
  });
});

describe('plan stops at a config error before any API call', () => {
  let emu: Emulator;
  const SEEDED: SeedIntegration[] = [
    { unique_key: 'slack-ok', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'x', client_secret: 'y', scopes: null, webhook_secret: null } },
    { unique_key: 'legacy', provider: 'github' },
  ];
  beforeAll(async () => {
    emu = await startEmulator();
    emu.seed(SEEDED);
  });
  afterAll(async () => {
    await emu.close();
  });

  const planned = CASES.filter((c) => c.expect.plan === true);
  it('covers a representative subset', () => {
    expect(planned.length).toBeGreaterThanOrEqual(10);
  });

  it.concurrent.each(planned.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const env = { ...BASE_ENV, ...c.expect.env, NANGO_HOST: emu.url };
    const args = ['plan', '-c', c.dir, ...(c.expect.prune ? ['--prune', '--max-deletes', '10'] : []), ...(c.expect.args ?? [])];
    const r = await runCli(args, { env });
    expectRejected(r, c.expect, env, pathHintOf(c));
    // This emulator serves only this block: any request at all means the config stage let something through.
    expect(emu.requests).toEqual([]);
    expect(emu.integrations().map((i) => i.unique_key).sort()).toEqual(['legacy', 'slack-ok']);
  });
});

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp dir the CLI may traverse even when it runs as another user; removed after the file's tests. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-hostile-'));
  chmodSync(dir, 0o755);
  scratchDirs.push(dir);
  return dir;
}

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const BOUNDED = { nodeArgs: ['--max-old-space-size=128'] } satisfies RunCliOptions;

describe('generated hostile input', () => {
  it.concurrent('a 50 MB file is refused before it is read, even with a 128 MB heap', async () => {
    const dir = scratch();
    const entry = '  - unique_key: slack-production-0000\n    provider: slack\n    display_name: Slack\n';
    const count = Math.ceil((50 * 1024 * 1024) / entry.length);
    writeFileSync(join(dir, 'big.yaml'), `integrations:\n${entry.repeat(count)}`);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, ...BOUNDED });
    expectRejected(r, { exit: 1, stderr: String.raw`big\.yaml:1:1: file is larger than 4 MiB \(\d+ bytes\); refusing to read it` }, BASE_ENV);
  });

  it.concurrent('the billion-laughs case is refused with a 128 MB heap', async () => {
    const c = CASES.find((x) => x.name === 'yaml-billion-laughs');
    expect(c).toBeDefined();
    if (!c) return;
    const r = await runCli(['validate', '-c', c.dir], { env: BASE_ENV, ...BOUNDED });
    expectRejected(r, c.expect, BASE_ENV);
  });

  it.concurrent('a wide alias amplification (99 aliases of a 20,000-item list) is refused with a 128 MB heap', async () => {
    // yaml's own maxAliasCount lets this through (99 aliases of an alias-free node): a 40 KB file
    // that expands to 2 M values, which ran a 128 MB heap out of memory.
    const dir = scratch();
    const items = Array<string>(20_000).fill('x').join(',');
    writeFileSync(join(dir, 'wide.yaml'), `anchor: &big [${items}]\nintegrations:\n${'  - *big\n'.repeat(99)}`);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, ...BOUNDED, timeoutMs: 30_000 });
    expectRejected(r, { exit: 1, stderr: String.raw`wide\.yaml:1:1: too many alias expansions`, errors: 1 }, BASE_ENV);
  });

  it.concurrent('binary garbage (with NUL bytes) is refused as not text', async () => {
    const dir = scratch();
    const bytes = pseudoRandomBytes(64 * 1024, 0x5eed);
    bytes[10] = 0;
    writeFileSync(join(dir, 'garbage.yaml'), bytes);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: String.raw`garbage\.yaml:1:1: not a text file \(it contains NUL bytes\)`, errors: 1 }, BASE_ENV);
  });

  it.concurrent('random printable and control characters give one located line per problem', async () => {
    const dir = scratch();
    const alphabet = 'ab:- []{}&*!|>\'"%@`#,?\t\n\r\u0007\u001b\u00e9\u2028\u{1F600}';
    const chars = [...alphabet];
    const bytes = pseudoRandomBytes(4096, 0xbad);
    let text = '';
    for (const b of bytes) text += chars[b % chars.length];
    writeFileSync(join(dir, 'noise.yaml'), text);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: String.raw`noise\.yaml:\d+:\d+: ` }, BASE_ENV);
  });

  it.concurrent('a symlink loop in the config directory is an error naming the link', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'slack.yaml'), 'integrations: []\n');
    mkdirSync(join(dir, 'nested'));
    symlinkSync('..', join(dir, 'nested', 'up'));
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: 'symlink loop at .*nested/up: it leads back to ', locate: 'path' }, BASE_ENV, join(dir, 'nested', 'up'));
  });

  it.concurrent('a file symlinked to itself (ELOOP) is an error naming it', async () => {
    const dir = scratch();
    symlinkSync('self.yaml', join(dir, 'self.yaml'));
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: 'symlink loop at .*self\\.yaml', locate: 'path' }, BASE_ENV, join(dir, 'self.yaml'));
  });

  it.concurrent('a dangling symlink is an error, not a silently missing file', async () => {
    const dir = scratch();
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'slack.yaml'));
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: 'broken symlink .*slack\\.yaml: its target does not exist', locate: 'path' }, BASE_ENV, join(dir, 'slack.yaml'));
  });

  // As root, chmod 000 does not stop a read: run the CLI as nobody (65534) so the mode really applies.
  const asUser: RunCliOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

  it.concurrent('an unreadable file is an error naming it (mode 000, CLI run as an unprivileged user)', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'ok.yaml'), 'integrations: []\n');
    const secret = join(dir, 'secret.yaml');
    writeFileSync(secret, 'integrations: []\n');
    chmodSync(secret, 0o000);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, ...asUser });
    chmodSync(secret, 0o644);
    expectRejected(r, { exit: 1, stderr: 'cannot read config file .*secret\\.yaml: permission denied', locate: 'path' }, BASE_ENV, secret);
  });

  it.concurrent('an unreadable subdirectory is an error naming it', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'ok.yaml'), 'integrations: []\n');
    const sub = join(dir, 'team');
    mkdirSync(sub);
    writeFileSync(join(sub, 'slack.yaml'), 'integrations: []\n');
    chmodSync(sub, 0o000);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, ...asUser });
    chmodSync(sub, 0o755);
    expectRejected(r, { exit: 1, stderr: 'cannot read directory .*team: permission denied', locate: 'path' }, BASE_ENV, sub);
  });

  (hasMkfifo ? it.concurrent : it.skip)('a FIFO named like a config file is an error, not skipped (and never blocks)', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'ok.yaml'), 'integrations: []\n');
    const fifo = join(dir, 'slack.yaml');
    execFileSync('mkfifo', [fifo]);
    const inDir = await runCli(['validate', '-c', dir], { env: BASE_ENV, timeoutMs: 20_000 });
    expectRejected(inDir, { exit: 1, stderr: 'cannot read config file .*slack\\.yaml: not a regular file', locate: 'path' }, BASE_ENV, fifo);
    const named = await runCli(['validate', '-c', fifo], { env: BASE_ENV, timeoutMs: 20_000 });
    expectRejected(named, { exit: 1, stderr: 'config path is not a file or directory: .*slack\\.yaml', locate: 'path' }, BASE_ENV, fifo);
  });

  it.concurrent('a config path that does not exist is an error naming it', async () => {
    const missing = join(scratch(), 'nango');
    const r = await runCli(['validate', '-c', missing], { env: BASE_ENV });
    expectRejected(r, { exit: 1, stderr: 'config path not found: .*nango$', locate: 'path' }, BASE_ENV, missing);
  });

  it.concurrent('--env-file naming a missing file fails with one line naming it', async () => {
    // Node 20 also parses `--env-file` after the script name and exits 9 when the file is missing
    // (nodejs/node#54232); the bin's shebang (`node --`) and runCli keep the flag for nango-gitops.
    const missing = join(scratch(), 'missing.env');
    const r = await runCli(['validate', '-c', 'test/hostile/corpus/unknown-provider', '--env-file', missing], { env: BASE_ENV });
    expect(r.code).toBe(1);
    // The config's own problem (an unknown provider) is reported too: every error of a run, one line each.
    expect(r.stderr.trim().split('\n')).toEqual([`env file ${missing}: not found`, expect.stringMatching(/integrations\.yaml:3:15: provider: unknown provider/)]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('resource bounds on big but legal-sized files', () => {
  it.concurrent('a 4 MB flow list of 2 million items is refused before parsing, in a 128 MB heap', async () => {
    // Parsed, this took ~70 s and ~3 GB: the yaml library keeps a node with positions per item.
    const dir = scratch();
    writeFileSync(join(dir, 'dense.yaml'), `integrations: [${Array<string>(2_000_000).fill('1').join(',')}]\n`);
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, nodeArgs: ['--max-old-space-size=128'], timeoutMs: 30_000 });
    expect(r.code, r.stderr.slice(0, 500)).toBe(1);
    expect(r.stderr.trim()).toMatch(/^\S*dense\.yaml:1:1: too large to parse safely \(more than 1,500,000 YAML tokens\); split it into several files$/);
  }, 40_000);

  it.concurrent('100,000 malformed list items are all reported, quickly (schema errors are linear)', async () => {
    // ajv concatenates its error array once per failing item: before validating in slices this took minutes.
    const dir = scratch();
    writeFileSync(join(dir, 'items.yaml'), `integrations: [${Array<string>(100_000).fill('1').join(',')}]\n`);
    const started = Date.now();
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV, timeoutMs: 40_000 });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(100_000);
    expect(lines[99_999]).toMatch(/items\.yaml:1:\d+: integrations\[99999\]: must be a mapping$/);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);

  it.concurrent('20,000 integrations whose values come from the environment validate quickly', async () => {
    // Sensitivity lookups scanned every interpolated value per question: quadratic, minutes for this file.
    const dir = scratch();
    const entry = (i: number): string => `  - unique_key: k${i}\n    provider: github\n    display_name: \${NAME}\n`;
    writeFileSync(join(dir, 'many.yaml'), `integrations:\n${Array.from({ length: 20_000 }, (_, i) => entry(i)).join('')}`);
    const env = { ...BASE_ENV, NAME: 'canary-name-51d0' };
    const started = Date.now();
    const r = await runCli(['validate', '-c', dir, '--format', 'json'], { env, timeoutMs: 45_000 });
    expect(r.code, r.stderr.slice(0, 2000)).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, integrations: 20_000 });
    expect(r.stdout + r.stderr).not.toContain('canary-name-51d0');
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 60_000);
});

describe('an empty config directory', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  const seeded: SeedIntegration[] = [
    { unique_key: 'slack-prod', provider: 'slack', display_name: 'Slack' },
    { unique_key: 'github-prod', provider: 'github' },
  ];
  const keys = (): string[] => emu.integrations().map((i) => i.unique_key).sort();

  /** Only hidden entries and non-YAML files: what an unmounted ConfigMap or a wrong -c looks like. */
  function emptyDir(): string {
    const dir = scratch();
    mkdirSync(join(dir, '..data'));
    writeFileSync(join(dir, '..data', 'slack.yaml'), 'integrations: []\n');
    writeFileSync(join(dir, 'README.md'), '# nothing here\n');
    return dir;
  }

  it('validate: exit 0 with a warning naming the directory', async () => {
    const dir = emptyDir();
    const r = await runCli(['validate', '-c', dir], { env: BASE_ENV });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: no *.yaml files under ${dir}\n`);
    expect(r.stdout).toContain('Valid: 0 integrations in 0 files.');
  });

  it('plan without --prune: exit 0, the warning, remote integrations left unmanaged, no write', async () => {
    emu.reset();
    emu.seed(seeded);
    const dir = emptyDir();
    const r = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: { ...BASE_ENV, NANGO_HOST: emu.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: no *.yaml files under ${dir}`);
    expect(r.stdout).toContain('2 unmanaged');
    expect(emu.writes()).toEqual([]);
  });

  it.each([['plan'], ['apply']])('%s --prune: refused by the empty-config rule (exit 3), zero writes', async (command) => {
    emu.reset();
    emu.seed(seeded);
    const dir = emptyDir();
    const r = await runCli([command, '-c', dir, '--prune', '--max-deletes', '10'], { env: { ...BASE_ENV, NANGO_HOST: emu.url } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(3);
    expect(r.stdout).toContain('the config declares no integration');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(emu.writes()).toEqual([]);
    expect(keys()).toEqual(['github-prod', 'slack-prod']);
  });

  it('a config error in one file with --prune deletes nothing, even though the other file is fine', async () => {
    emu.reset();
    emu.seed(seeded);
    const dir = scratch();
    writeFileSync(join(dir, 'slack.yaml'), 'integrations:\n  - unique_key: slack-prod\n    provider: slack\n');
    writeFileSync(join(dir, 'github.yaml'), 'integrations:\n  - unique_key: github-prod\n    provider: github\n    provider: github\n');
    const r = await runCli(['apply', '-c', dir, '--prune', '--max-deletes', '10'], { env: { ...BASE_ENV, NANGO_HOST: emu.url } });
    expectRejected(r, { exit: 1, stderr: String.raw`github\.yaml:4:5: duplicate key in the same mapping` }, BASE_ENV);
    expect(emu.requests).toEqual([]);
    expect(keys()).toEqual(['github-prod', 'slack-prod']);
  });
});

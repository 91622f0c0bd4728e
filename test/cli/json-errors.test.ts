// Issue 12: under `--format json` every failure is JSON too: stdout is exactly one document with
// `error: {kind, message, diagnostics}`, the exit code is the one the other formats give, and stderr
// keeps its human line. Plans (and plan files) carry `refused: true|false`. One kind per case below,
// each run as a process against the emulator.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../src/error-kind.js';
import { planDigest } from '../../src/plan/plan.js';
import { DEFAULT_SECRET_KEY } from '../emulator/server.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { ENVIRONMENT_KEYS, useTwoEnvironments } from '../helpers/emulator.js';

const KEY_PROD = ENVIRONMENT_KEYS.prod;
const SECRET = 'json-errors-client-secret-4f1';

const fixture = useTwoEnvironments({ dev: DEFAULT_SECRET_KEY, prod: KEY_PROD });

const ANALYTICS = 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    display_name: Analytics\n';
const SLACK = `  - unique_key: slack\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: slack-client\n      client_secret: \${SLACK_SECRET}\n      scopes: [chat:write]\n`;

const single = (extra: Record<string, string> = {}): Record<string, string> => ({ NANGO_HOST: fixture.emu.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, SLACK_SECRET: SECRET, ...extra });

function run(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return runCli(args, { env, ...(cwd !== undefined ? { cwd } : {}) });
}

const context = (r: CliResult): string => `exit ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

interface ErrorObject {
  kind: string;
  message: string;
  diagnostics: Array<{ severity: string; message: string; path?: string; location?: { file: string; line: number; column: number }; envVar?: string }>;
}
type Doc = Record<string, unknown> & { format_version: number; error?: ErrorObject; refused?: boolean };

/** stdout is one JSON document (JSON.parse takes nothing else), the exit code is `code`, no stack trace. */
function document(r: CliResult, code: number): Doc {
  expect(r.code, context(r)).toBe(code);
  expect(r.stderr, context(r)).not.toMatch(/^\s+at |internal error/m);
  const doc = JSON.parse(r.stdout) as Doc;
  expect(typeof doc.format_version, context(r)).toBe('number');
  if (doc.error) expect(ERROR_KINDS).toContain(doc.error.kind);
  return doc;
}

/** A failure with nothing else to show: exactly `{format_version: 1, error}`. */
function errorOnly(r: CliResult, kind: string, code = 1): ErrorObject {
  const doc = document(r, code);
  expect(Object.keys(doc), context(r)).toEqual(['format_version', 'error']);
  expect(doc.format_version).toBe(1);
  expect(doc.error?.kind, context(r)).toBe(kind);
  expect(Object.keys(doc.error ?? {})).toEqual(['kind', 'message', 'diagnostics']);
  return doc.error as ErrorObject;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('--format json: a failure is one error document on stdout, exit code unchanged', () => {
  it('config: validate, plan and apply report each problem with file, line and column; no request', async () => {
    const dir = tempConfig({ 'nango/a.yaml': `${ANALYTICS}  - unique_key: broken\n    provider: no-such-provider\n` });
    for (const command of ['plan', 'apply']) {
      const r = await run([command, '-c', 'nango', '--format', 'json'], single(), dir);
      const error = errorOnly(r, 'config');
      expect(error.message).toBe('the config is invalid: nango/a.yaml:6:15: provider: unknown provider "no-such-provider"');
      expect(error.diagnostics).toEqual([expect.objectContaining({ severity: 'error', path: 'provider', location: { file: 'nango/a.yaml', line: 6, column: 15 } })]);
      // stderr keeps the human line.
      expect(r.stderr).toContain('nango/a.yaml:6:15: provider: unknown provider "no-such-provider"');
    }
    // validate keeps its document and adds the same error object.
    const v = await run(['validate', '-c', 'nango', '--format', 'json'], {}, dir);
    const doc = document(v, 1);
    expect(doc).toMatchObject({ format_version: 1, valid: false, error: { kind: 'config', message: expect.stringContaining('nango/a.yaml:6:15') } });
    expect(doc.error?.diagnostics[0]?.location).toEqual({ file: 'nango/a.yaml', line: 6, column: 15 });
    const ok = document(await run(['validate', '-c', 'nango', '--format', 'json'], {}, tempConfig({ 'nango/a.yaml': ANALYTICS })), 0);
    expect(ok).toMatchObject({ valid: true });
    expect(ok).not.toHaveProperty('error');
    expect(fixture.emu.requests).toEqual([]);
  });

  it('usage: a bad flag (before or after --format), an unknown flag, a bad variable, a missing NANGO_SECRET_KEY; no request', async () => {
    const dir = tempConfig({ 'nango/a.yaml': ANALYTICS });
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['plan', '--concurrency', '0', '--format', 'json'], single(), /^option '--concurrency <n>' argument '0' is invalid/],
      [['apply', '--format=json', '--max-deletes', 'x'], single(), /^option '--max-deletes <n>' argument 'x' is invalid/],
      [['plan', '--no-such-flag'], single({ NANGO_GITOPS_FORMAT: 'json' }), /^unknown option '--no-such-flag'/],
      [['validate', '--format', 'json', 'extra'], {}, /^too many arguments/],
      [['plan', '--format', 'json'], single({ NANGO_GITOPS_PRUNE: 'flase' }), /^env NANGO_GITOPS_PRUNE: expected true or false, got "flase"$/],
      [['plan', '--format', 'json'], { NANGO_HOST: fixture.emu.url }, /^env NANGO_SECRET_KEY: not set/],
      [['plan', '--format', 'json'], single({ NANGO_HOST: 'ftp://nowhere' }), /NANGO_HOST/],
    ];
    for (const [args, env, message] of cases) {
      const r = await run([...args, '-c', 'nango'], env, dir);
      expect(errorOnly(r, 'usage').message, context(r)).toMatch(message);
      expect(r.stderr, context(r)).toMatch(/^error: /);
    }
    // Without --format json, the same error prints nothing on stdout, as before.
    const text = await run(['plan', '--concurrency', '0', '-c', 'nango'], single(), dir);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(fixture.emu.requests).toEqual([]);
  });

  it('usage: --out names a file that cannot be written (one line, not an internal error with a stack)', async () => {
    const out = join(tempConfig({}), 'no-such-dir', 'plan.json');
    const r = await run(['plan', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json', '--out', out], single());
    expect(errorOnly(r, 'usage').message).toBe(`--out ${out}: cannot write the plan (ENOENT)`);
    const text = await run(['plan', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--out', out], single());
    expect(text.code).toBe(1);
    expect(text.stderr).toBe(`error: --out ${out}: cannot write the plan (ENOENT)\n`);
  });

  it('auth: Nango refuses the secret key; the key is never in the document', async () => {
    const wrong = '0f1e2d3c-4b5a-4968-8776-655443322110';
    const r = await run(['plan', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json'], single({ NANGO_SECRET_KEY: wrong }));
    const error = errorOnly(r, 'auth');
    expect(error.message).toMatch(/^Nango API: authentication failed .*check NANGO_SECRET_KEY/);
    expect(r.stdout).not.toContain(wrong);
    expect(r.stdout).not.toContain(DEFAULT_SECRET_KEY);
  });

  it('api: Nango answers an error', async () => {
    fixture.emu.setFaults({ rate: 1, kinds: ['400'], methods: ['GET'] });
    const r = await run(['apply', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json'], single());
    expect(errorOnly(r, 'api').message).toMatch(/^Nango API: GET \/integrations failed \(400/);
    expect(fixture.emu.writes()).toEqual([]);
  });

  it('network: nothing answers at NANGO_HOST', { timeout: 60_000 }, async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['plan', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json'], { env: single({ NANGO_HOST: host }), timeoutMs: 55_000 });
    expect(errorOnly(r, 'network').message).toContain(`no answer from NANGO_HOST (${host})`);
  });

  it('state: a state file of the wrong shape; no request', async () => {
    const state = join(tempConfig({ 'state.json': '[]' }), 'state.json');
    const r = await run(['plan', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json', '--state', state], single());
    expect(errorOnly(r, 'state').message).toMatch(/^state file .*: \$: expected an object/);
    expect(fixture.emu.requests).toEqual([]);
  });

  it('plan_file: a reviewed plan of the wrong shape (exit 1); refused: one edited after review (exit 3); no request', async () => {
    const dir = tempConfig({ 'a.yaml': ANALYTICS, 'bad.json': '{"format_version":1}', 'empty.json': 'not json' });
    const shape = await run(['apply', '-c', join(dir, 'a.yaml'), '--format', 'json', '--plan-file', join(dir, 'bad.json')], single());
    expect(errorOnly(shape, 'plan_file').message).toContain('not a nango-gitops plan (format_version 1): $.changes: missing');
    const unreadable = await run(['apply', '-c', join(dir, 'a.yaml'), '--format', 'json', '--plan-file', join(dir, 'empty.json')], single());
    expect(errorOnly(unreadable, 'plan_file').message).toContain('cannot read the reviewed plan (not JSON)');

    const planFile = join(dir, 'plan.json');
    expect((await run(['plan', '-c', join(dir, 'a.yaml'), '--out', planFile], single())).code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { changes: Array<{ unique_key: string }> };
    plan.changes[0]!.unique_key = 'edited';
    writeFileSync(planFile, JSON.stringify(plan));
    fixture.emu.reset();
    const edited = await run(['apply', '-c', join(dir, 'a.yaml'), '--format', 'json', '--plan-file', planFile], single());
    expect(errorOnly(edited, 'refused', 3).message).toContain("the plan's digest does not match its content");
    expect(fixture.emu.requests).toEqual([]);
  });

  it('apply: a change Nango rejects; the result of every change is still in the document', async () => {
    fixture.emu.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
    const r = await run(['apply', '-c', tempConfig({ 'a.yaml': ANALYTICS }), '--format', 'json'], single());
    const doc = document(r, 1);
    expect(doc.error).toEqual({ kind: 'apply', message: '1 of 1 change not applied', diagnostics: [] });
    expect(doc.refused).toBe(false);
    expect(doc).toMatchObject({ changes: [{ action: 'create', unique_key: 'analytics', result: 'failed', error: expect.any(String) }] });
  });
});

/** Two remote keys no file declares: a prune of both is more than the default --max-deletes 1. */
function seedTwo(): void {
  fixture.emu.seed(
    [
      { unique_key: 'legacy-a', provider: 'posthog' },
      { unique_key: 'legacy-b', provider: 'posthog' },
    ],
    'dev',
  );
}

describe('--format json: refused plans', () => {
  it('a plan a safety rule blocks: refused true and error kind refused (exit 3), in plan and apply; a plan with changes: refused false, no error', async () => {
    seedTwo();
    const dir = tempConfig({ 'a.yaml': ANALYTICS });
    for (const command of ['plan', 'apply']) {
      const r = await run([command, '-c', join(dir, 'a.yaml'), '--format', 'json', '--prune'], single());
      const doc = document(r, 3);
      expect(Object.keys(doc).slice(0, 3)).toEqual(['format_version', 'error', 'refused']);
      expect(doc.refused).toBe(true);
      expect(doc.error).toEqual({ kind: 'refused', message: 'a safety rule refused the plan (2 changes blocked); nothing applied', diagnostics: [] });
      expect(doc).toMatchObject({ format_version: 1, summary: { create: 1, delete: 2 } });
    }
    expect(fixture.emu.writes()).toEqual([]);

    const ok = document(await run(['plan', '-c', join(dir, 'a.yaml'), '--format', 'json'], single()), 0);
    expect(ok.refused).toBe(false);
    expect(ok).not.toHaveProperty('error');
    const applied = document(await run(['apply', '-c', join(dir, 'a.yaml'), '--format', 'json'], single()), 0);
    expect(applied).toMatchObject({ refused: false, changes: [{ unique_key: 'analytics', result: 'applied' }] });
    expect(applied).not.toHaveProperty('error');
  });

  it('apply --plan-file when the plan changed since review: the new plan, refused true, error kind refused (exit 3)', async () => {
    const dir = tempConfig({ 'a.yaml': ANALYTICS });
    const planFile = join(dir, 'plan.json');
    expect((await run(['plan', '-c', join(dir, 'a.yaml'), '--out', planFile], single())).code).toBe(0);
    fixture.emu.seed([{ unique_key: 'analytics', provider: 'posthog', display_name: 'Someone else' }]);
    const r = await run(['apply', '-c', join(dir, 'a.yaml'), '--format', 'json', '--plan-file', planFile], single());
    const doc = document(r, 3);
    expect(doc.refused).toBe(true);
    expect(doc.error?.kind).toBe('refused');
    expect(doc.error?.message).toMatch(/^the plan differs from the reviewed one in .*plan\.json/);
    expect(doc).toMatchObject({ changes: [{ action: 'update', unique_key: 'analytics' }] });
    expect(fixture.emu.writes()).toEqual([]);
  });
});

describe('plan files carry refused; older ones without it are still applied', () => {
  it('one environment: refused false or true in the file, the digest as before; a file without the field applies', async () => {
    const dir = tempConfig({ 'a.yaml': ANALYTICS });
    const planFile = join(dir, 'plan.json');
    seedTwo();
    const blocked = await run(['plan', '-c', join(dir, 'a.yaml'), '--out', planFile, '--prune'], single());
    expect(blocked.code, context(blocked)).toBe(3);
    const refusedFile = JSON.parse(readFileSync(planFile, 'utf8')) as Doc & { changes: never[]; unmanaged: string[]; digest: string };
    expect(refusedFile.refused).toBe(true);
    expect(refusedFile).not.toHaveProperty('error');

    fixture.emu.reset();
    expect((await run(['plan', '-c', join(dir, 'a.yaml'), '--out', planFile], single())).code).toBe(0);
    const file = JSON.parse(readFileSync(planFile, 'utf8')) as Doc & { changes: never[]; unmanaged: string[]; digest: string };
    expect(Object.keys(file)).toEqual(['format_version', 'metadata', 'refused', 'changes', 'summary', 'unmanaged', 'notes', 'digest']);
    expect(file.refused).toBe(false);
    // The digest covers the changes and the unmanaged keys only, as before the field existed.
    expect(file.digest).toBe(planDigest({ changes: file.changes, unmanaged: file.unmanaged }));

    // A plan file written before `refused` existed.
    const { refused: _r, ...old } = file;
    writeFileSync(planFile, JSON.stringify(old));
    const applied = await run(['apply', '-c', join(dir, 'a.yaml'), '--plan-file', planFile], single());
    expect(applied.code, context(applied)).toBe(0);
    expect(fixture.emu.integrations('dev').map((i) => i.unique_key)).toEqual(['analytics']);

    // A value other than true or false is not a plan of ours.
    writeFileSync(planFile, JSON.stringify({ ...file, refused: 'no' }));
    const wrong = await run(['apply', '-c', join(dir, 'a.yaml'), '--plan-file', planFile], single());
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('$.refused: expected one of true, false');
  });
});

describe('several environments', () => {
  const SETTINGS = `environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    settings: { prune: true, max_deletes: 0 }
`;
  const multi = (extra: Record<string, string> = {}): Record<string, string> => ({
    NANGO_HOST: fixture.emu.url,
    NANGO_SECRET_KEY_DEV: DEFAULT_SECRET_KEY,
    NANGO_SECRET_KEY_PROD: KEY_PROD,
    SLACK_SECRET: SECRET,
    ...extra,
  });
  const config = (): string => tempConfig({ 'nango/environments.yaml': SETTINGS, 'nango/integrations.yaml': `${ANALYTICS}${SLACK}` });

  it('refused per environment and at the top, in the output and in the plan file; error kind refused (exit 3)', async () => {
    fixture.emu.seed([{ unique_key: 'legacy', provider: 'posthog' }], 'prod');
    const dir = config();
    const planFile = join(dir, 'plan.json');
    const r = await run(['plan', '-c', 'nango', '--format', 'json', '--out', planFile], multi(), dir);
    const doc = document(r, 3) as Doc & { environments: Array<Record<string, unknown>> };
    expect(Object.keys(doc)).toEqual(['format_version', 'error', 'refused', 'environments']);
    expect(doc.refused).toBe(true);
    expect(doc.environments.map((e) => [e['name'], e['status'], e['refused']])).toEqual([
      ['dev', 'planned', false],
      ['prod', 'refused', true],
    ]);
    expect(doc.error).toEqual({ kind: 'refused', message: expect.stringMatching(/^environment prod: a safety rule refused the plan/), diagnostics: [] });
    expect(r.stdout).not.toContain(SECRET);

    const file = JSON.parse(readFileSync(planFile, 'utf8')) as Doc & { environments: Array<Record<string, unknown>> };
    expect(Object.keys(file)).toEqual(['format_version', 'metadata', 'refused', 'environments']);
    expect(file.environments.map((e) => e['refused'])).toEqual([false, true]);

    // A file of several environments written before `refused` existed is applied as before.
    fixture.emu.reset();
    expect((await run(['plan', '-c', 'nango', '--out', planFile], multi(), dir)).code).toBe(0);
    const fresh = JSON.parse(readFileSync(planFile, 'utf8')) as { format_version: 2; refused?: boolean; environments: Array<Record<string, unknown>> };
    delete fresh.refused;
    for (const e of fresh.environments) delete e['refused'];
    writeFileSync(planFile, JSON.stringify(fresh));
    const applied = await run(['apply', '-c', 'nango', '--plan-file', planFile, '--format', 'json'], multi(), dir);
    const result = document(applied, 0) as Doc & { environments: Array<Record<string, unknown>> };
    expect(result.refused).toBe(false);
    expect(result.environments.map((e) => e['status'])).toEqual(['applied', 'applied']);
  });

  it('an environment whose config is invalid: kind config with its diagnostics; a failing one before a refused one decides the kind', async () => {
    fixture.emu.seed([{ unique_key: 'legacy', provider: 'posthog' }], 'prod');
    const dir = config();
    const { SLACK_SECRET: _s, ...withoutSecret } = multi();
    const invalid = document(await run(['plan', '-c', 'nango', '--format', 'json'], withoutSecret, dir), 1);
    expect(invalid.error?.kind).toBe('config');
    expect(invalid.error?.message).toMatch(/^environment dev: the config is invalid: .*SLACK_SECRET/);
    expect(invalid.error?.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', message: expect.stringContaining('SLACK_SECRET') }));

    const wrongDev = document(await run(['apply', '-c', 'nango', '--format', 'json'], multi({ NANGO_SECRET_KEY_DEV: '0f1e2d3c-4b5a-4968-8776-655443322110' }), dir), 1);
    expect(wrongDev.error?.kind).toBe('auth');
    expect(wrongDev.error?.message).toMatch(/^environment dev: Nango API: authentication failed.*; environment prod: a safety rule refused the plan/);
    expect(wrongDev.refused).toBe(true);
    expect(fixture.emu.writes()).toEqual([]);
  });

  it('a problem every environment shares (an unknown --environment): one error document, kind config', async () => {
    const r = await run(['plan', '-c', 'nango', '--format', 'json', '--environment', 'prood'], multi(), config());
    const error = errorOnly(r, 'config');
    expect(error.message).toMatch(/^the config is invalid: --environment prood: .*did you mean "prod"/i);
    expect(fixture.emu.requests).toEqual([]);
  });
});

// plan and apply on a config with an environments block, as processes against ONE emulator that serves
// two environments (one secret key each), as Nango does: every environment gets its own merged config,
// its own key and its own section of the output; a failure in one never stops the other.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { ENVIRONMENT_KEYS, useTwoEnvironments } from '../helpers/emulator.js';

const { dev: KEY_DEV, prod: KEY_PROD } = ENVIRONMENT_KEYS;
const DEV_SECRET = 'dev-slack-secret-5a1';
const PROD_SECRET = 'prod-slack-secret-9c7';

const fixture = useTwoEnvironments();

const SETTINGS = `settings:
  prune: false
environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
    settings: { prune: true, max_deletes: 5 }
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    settings: { prune: true, protect: ["*-production"], owns: ["team-a-*"], max_deletes: 1 }
`;
const INTEGRATIONS = `integrations:
  - unique_key: slack
    provider: slack
    display_name: Slack
    credentials:
      type: OAUTH2
      scopes: [chat:write]
    environments:
      dev:
        display_name: Slack (dev)
        credentials: { client_id: dev-client, client_secret: "\${SLACK_DEV_SECRET}" }
      prod:
        credentials: { client_id: prod-client, client_secret: "\${SLACK_PROD_SECRET}", scopes: [chat:write, users:read] }
  - unique_key: posthog
    provider: posthog
    display_name: PostHog
  - unique_key: trial-analytics
    provider: posthog
    environments: [dev]
`;

function config(files: Record<string, string> = {}): string {
  return tempConfig({ 'nango/environments.yaml': SETTINGS, 'nango/integrations.yaml': INTEGRATIONS, ...files });
}

const DEV_ENV = { NANGO_SECRET_KEY_DEV: KEY_DEV, SLACK_DEV_SECRET: DEV_SECRET };
const PROD_ENV = { NANGO_SECRET_KEY_PROD: KEY_PROD, SLACK_PROD_SECRET: PROD_SECRET };
const env = (extra: Record<string, string> = {}): Record<string, string> => ({ NANGO_HOST: fixture.emu.url, ...DEV_ENV, ...PROD_ENV, ...extra });

function run(dir: string, args: string[], extra: Record<string, string> = {}, state = join(dir, 'state.json')): Promise<CliResult> {
  return runCli([...args, '-c', 'nango', '--state', state], { cwd: dir, env: env(extra) });
}

const context = (r: CliResult): string => `exit ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
const keys = (environment: string): string[] => fixture.emu.integrations(environment).map((i) => i.unique_key).sort();

describe('several environments from one config', () => {
  it('converges dev and prod, each with its own merged values; an integration only in dev is never created in prod', async () => {
    const dir = config();
    const plan = await run(dir, ['plan', '--detailed-exitcode']);
    expect(plan.code, context(plan)).toBe(2);
    expect(plan.stderr).toBe('');
    const devAt = plan.stdout.indexOf(`Environment dev (${fixture.emu.url})\n`);
    const prodAt = plan.stdout.indexOf(`Environment prod (${fixture.emu.url})\n`);
    expect(devAt).toBe(0);
    expect(prodAt).toBeGreaterThan(devAt);
    expect(plan.stdout.slice(devAt, prodAt)).toContain('+ create trial-analytics (posthog)');
    expect(plan.stdout.slice(prodAt)).not.toContain('trial-analytics');
    expect(plan.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 2 planned (dev, prod).');
    expect(fixture.emu.writes()).toHaveLength(0);

    const apply = await run(dir, ['apply']);
    expect(apply.code, context(apply)).toBe(0);
    expect(apply.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 2 applied (dev, prod).');
    expect(apply.stdout.match(/Apply complete: 3 applied, 0 failed, 0 skipped\./g)).toHaveLength(1);
    expect(apply.stdout.match(/Apply complete: 2 applied, 0 failed, 0 skipped\./g)).toHaveLength(1);

    expect(keys('dev')).toEqual(['posthog', 'slack', 'trial-analytics']);
    expect(keys('prod')).toEqual(['posthog', 'slack']);
    expect(fixture.emu.integration('slack', 'dev')).toMatchObject({ display_name: 'Slack (dev)', credentials: { type: 'OAUTH2', client_id: 'dev-client', client_secret: DEV_SECRET, scopes: 'chat:write' } });
    expect(fixture.emu.integration('slack', 'prod')).toMatchObject({ display_name: 'Slack', credentials: { type: 'OAUTH2', client_id: 'prod-client', client_secret: PROD_SECRET, scopes: 'chat:write,users:read' } });
    expect(fixture.emu.integration('posthog', 'prod')).toMatchObject({ display_name: 'PostHog' });

    // One state file, one section per environment (named), each with its own fingerprints.
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { environments: Record<string, { environment?: string; integrations: Record<string, unknown> }> };
    const sections = Object.values(state.environments);
    expect(sections.map((s) => s.environment).sort()).toEqual(['dev', 'prod']);
    for (const s of sections) expect(Object.keys(s.integrations)).toEqual(['slack']);

    const again = await run(dir, ['plan', '--detailed-exitcode']);
    expect(again.code, context(again)).toBe(0);
    expect(again.stdout.match(/^No changes\./gm)).toHaveLength(2);
    fixture.emu.clearRequests();
    const second = await run(dir, ['apply']);
    expect(second.code, context(second)).toBe(0);
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('plan --environment dev needs no prod variable and sends no request with prod\'s key; without it, prod is invalid and dev still planned', async () => {
    const dir = config();
    for (const [label, args, extra] of [
      ['flag', ['plan', '--environment', 'dev'], {}],
      ['variable', ['plan'], { NANGO_GITOPS_ENVIRONMENT: 'dev' }],
    ] as const) {
      fixture.emu.clearRequests();
      const r = await runCli([...args, '-c', 'nango', '--state', join(dir, 'state.json')], { cwd: dir, env: { NANGO_HOST: fixture.emu.url, ...DEV_ENV, ...extra } });
      expect(r.code, `${label}: ${context(r)}`).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Environment dev (${fixture.emu.url})`);
      expect(r.stdout).not.toContain('Environment prod');
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 planned (dev).');
      expect(fixture.emu.requests.length).toBeGreaterThan(0);
      expect(fixture.emu.requests.every((q) => q.environment === 'dev')).toBe(true);
    }

    // Every declared environment by default: prod's missing variables make it invalid (exit 1), dev is planned.
    fixture.emu.clearRequests();
    const all = await runCli(['plan', '-c', 'nango', '--state', join(dir, 'state.json')], { cwd: dir, env: { NANGO_HOST: fixture.emu.url, ...DEV_ENV } });
    expect(all.code, context(all)).toBe(1);
    expect(all.stderr.trim().split('\n')).toEqual([
      'nango/environments.yaml:8:17: environments.prod.secret_key: NANGO_SECRET_KEY_PROD is not set (environment prod)',
      'nango/integrations.yaml:13:63: credentials.client_secret: SLACK_PROD_SECRET is not set (environment prod)',
    ]);
    expect(all.stdout).toContain(`Environment prod (${fixture.emu.url})\nNot planned: the config is invalid for this environment:\n  nango/environments.yaml:8:17`);
    expect(all.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 planned (dev), 1 invalid (prod).');
    expect(fixture.emu.requests.every((q) => q.environment === 'dev')).toBe(true);

    const unknown = await runCli(['plan', '-c', 'nango', '--environment', 'prd'], { cwd: dir, env: env() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('--environment prd: unknown environment "prd" (did you mean "prod"?); declared: dev, prod (at nango/environments.yaml:3:1)\n');
  });

  it('with prune, prod deletes only what it owns and never what it protects, while dev prunes everything undeclared', async () => {
    const dir = config();
    const extra = [
      { unique_key: 'legacy-x', provider: 'posthog' },
      { unique_key: 'team-a-old', provider: 'posthog' },
      { unique_key: 'team-a-production', provider: 'posthog' },
    ];
    fixture.emu.seed(extra, 'dev');
    fixture.emu.seed(extra, 'prod');

    const apply = await run(dir, ['apply']);
    expect(apply.code, context(apply)).toBe(0);
    expect(keys('dev')).toEqual(['posthog', 'slack', 'trial-analytics']);
    expect(keys('prod')).toEqual(['legacy-x', 'posthog', 'slack', 'team-a-production']);
    const prod = apply.stdout.slice(apply.stdout.indexOf('Environment prod'));
    expect(prod).toContain('- delete team-a-old (posthog)');
    expect(prod).toContain('Unmanaged (in Nango, not in config, left alone): legacy-x, team-a-production');

    // --owns replaces settings.owns in every environment: prod owns nothing undeclared any more.
    fixture.emu.seed([{ unique_key: 'team-a-old', provider: 'posthog' }], 'prod');
    const owns = await run(dir, ['plan', '--format', 'json', '--owns', 'team-b-*']);
    expect(owns.code, context(owns)).toBe(0);
    const doc = JSON.parse(owns.stdout) as { environments: Array<{ name: string; changes: unknown[]; unmanaged: string[] }> };
    expect(doc.environments.find((e) => e.name === 'prod')).toMatchObject({ changes: [], unmanaged: ['legacy-x', 'team-a-old', 'team-a-production'] });
    const viaEnv = await run(dir, ['plan', '--format', 'json'], { NANGO_GITOPS_OWNS: 'team-b-*' });
    expect(JSON.parse(viaEnv.stdout)).toEqual(doc);
  });

  it('a wrong prod key fails prod (exit 1) and dev is applied all the same', async () => {
    const dir = config();
    const wrongKey = '0f1e2d3c-4b5a-4968-8776-655443322110';
    const r = await run(dir, ['apply'], { NANGO_SECRET_KEY_PROD: wrongKey });
    expect(r.code, context(r)).toBe(1);
    expect(keys('dev')).toEqual(['posthog', 'slack', 'trial-analytics']);
    expect(keys('prod')).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`Environment prod \\(${fixture.emu.url.replace(/[.]/g, '\\.')}\\)\\nFailed: Nango API: .*authentication failed.*; nothing applied\\.\\n`, 'i'));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 applied (dev), 1 failed (prod).');
    expect(r.stderr).toBe('error: environment prod: Nango API: authentication failed (unknown_account): check NANGO_SECRET_KEY_PROD (the secret key of environment prod)\n');
    for (const text of [r.stdout, r.stderr]) {
      expect(text.toLowerCase()).not.toContain(wrongKey);
      expect(text.toLowerCase()).not.toContain(KEY_DEV);
    }
  });

  it('refuses two environments with the same key on the same host: they are one Nango environment', async () => {
    const dir = config();
    const r = await run(dir, ['plan'], { NANGO_SECRET_KEY_PROD: KEY_DEV });
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr).toBe('nango/environments.yaml:7:3: environments.prod: has the same secret key and host as environment dev: they are one Nango environment, which cannot be reconciled as two (environment prod)\n');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 planned (dev), 1 invalid (prod).');
    expect(r.stdout).not.toContain(KEY_DEV);
  });

  it('combines exit codes: 1 if any failed, else 3 if any refused, else 2 for changes with --detailed-exitcode, else 0', async () => {
    const dir = config();
    const converge = await run(dir, ['apply']);
    expect(converge.code, context(converge)).toBe(0);
    expect((await run(dir, ['plan', '--detailed-exitcode'])).code).toBe(0);

    // Changes in dev only.
    fixture.emu.seed([{ unique_key: 'stray', provider: 'posthog' }], 'dev');
    expect((await run(dir, ['plan'])).code).toBe(0);
    expect((await run(dir, ['plan', '--detailed-exitcode'])).code).toBe(2);

    // prod refused (two deletes, max_deletes 1), dev has changes: 3, even with --detailed-exitcode.
    fixture.emu.seed([{ unique_key: 'team-a-1', provider: 'posthog' }, { unique_key: 'team-a-2', provider: 'posthog' }], 'prod');
    const refusedPlan = await run(dir, ['plan', '--detailed-exitcode']);
    expect(refusedPlan.code, context(refusedPlan)).toBe(3);
    expect(refusedPlan.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 planned (dev), 1 refused (prod).');
    const refusedApply = await run(dir, ['apply']);
    expect(refusedApply.code, context(refusedApply)).toBe(3);
    expect(keys('dev')).not.toContain('stray');
    expect(keys('prod')).toEqual(['posthog', 'slack', 'team-a-1', 'team-a-2']);
    expect(refusedApply.stderr).toContain('error: environment prod: a safety rule refused the plan (2 changes blocked); nothing applied\n');
    expect(refusedApply.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 applied (dev), 1 refused (prod).');

    // A failing dev and a refused prod: 1.
    const both = await run(dir, ['plan'], { NANGO_SECRET_KEY_DEV: '0f1e2d3c-4b5a-4968-8776-655443322110' });
    expect(both.code, context(both)).toBe(1);
    expect(both.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 1 refused (prod), 1 failed (dev).');
  });

  it('JSON: one document with an entry per environment (name and host, never the key); markdown: one comment with a section each', async () => {
    const dir = config();
    fixture.emu.seed([{ unique_key: 'legacy-x', provider: 'posthog' }], 'prod');
    const r = await run(dir, ['plan', '--format', 'json']);
    expect(r.code, context(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { format_version: number; environments: Array<Record<string, unknown>> };
    expect(Object.keys(doc)).toEqual(['format_version', 'refused', 'environments']);
    expect(doc.format_version).toBe(2);
    expect(doc.environments.map((e) => Object.keys(e))).toEqual([
      ['name', 'host', 'status', 'refused', 'changes', 'summary', 'unmanaged', 'notes', 'digest'],
      ['name', 'host', 'status', 'refused', 'changes', 'summary', 'unmanaged', 'notes', 'digest'],
    ]);
    expect(doc.environments[0]).toMatchObject({ name: 'dev', host: fixture.emu.url, status: 'planned', summary: { create: 3, update: 0, delete: 0, unmanaged: 0 } });
    expect(doc.environments[1]).toMatchObject({ name: 'prod', host: fixture.emu.url, status: 'planned', summary: { create: 2, unmanaged: 1 }, unmanaged: ['legacy-x'] });
    expect(r.stdout).not.toContain(KEY_DEV);
    expect(r.stdout).not.toContain(KEY_PROD);

    const failed = await run(dir, ['apply', '--format', 'json'], { NANGO_SECRET_KEY_PROD: '0f1e2d3c-4b5a-4968-8776-655443322110' });
    expect(failed.code).toBe(1);
    const applied = JSON.parse(failed.stdout) as { error?: unknown; environments: Array<Record<string, unknown> & { changes?: Array<{ result?: string }> }> };
    expect(applied.environments[0]).toMatchObject({ name: 'dev', status: 'applied', refused: false });
    expect(applied.environments[0]?.changes?.every((c) => c.result === 'applied')).toBe(true);
    expect(applied.environments[1]).toEqual({ name: 'prod', host: fixture.emu.url, status: 'failed', refused: false, stage: 'api', error: expect.stringMatching(/^Nango API: .*authentication failed/i) });
    // The failure at the top, as every failed command's JSON has it: the key was refused.
    expect(applied.error).toEqual({ kind: 'auth', message: expect.stringMatching(/^environment prod: Nango API: .*authentication failed/i), diagnostics: [] });

    const md = await run(dir, ['plan', '--format', 'markdown']);
    expect(md.code, context(md)).toBe(0);
    expect(md.stdout.match(/<!-- nango-gitops-plan -->/g)).toHaveLength(1);
    expect(md.stdout).toContain('#### Environment dev (`' + fixture.emu.url + '`)');
    expect(md.stdout).toContain('#### Environment prod (`' + fixture.emu.url + '`)');
    expect(md.stdout.trimEnd().split('\n').at(-1)).toBe('**Environments: 2 planned (dev, prod).**');
  });
});

describe('plan files of several environments', () => {
  it('records every environment\'s plan; apply --plan-file applies them all, or none when one drifted (exit 3)', async () => {
    const dir = config();
    const planFile = join(dir, 'plan.json');
    const plan = await run(dir, ['plan', '--out', planFile]);
    expect(plan.code, context(plan)).toBe(0);
    const text = readFileSync(planFile, 'utf8');
    const doc = JSON.parse(text) as { format_version: number; environments: Array<{ name: string; host: string; digest: string }> };
    expect(doc.format_version).toBe(2);
    expect(doc.environments.map((e) => [e.name, e.host])).toEqual([
      ['dev', fixture.emu.url],
      ['prod', fixture.emu.url],
    ]);
    for (const secret of [KEY_DEV, KEY_PROD, DEV_SECRET, PROD_SECRET]) expect(text).not.toContain(secret);

    // prod drifts after review: nothing is applied anywhere.
    fixture.emu.seed([{ unique_key: 'posthog', provider: 'posthog', display_name: 'Changed by hand' }], 'prod');
    const drifted = await run(dir, ['apply', '--plan-file', planFile]);
    expect(drifted.code, context(drifted)).toBe(3);
    expect(fixture.emu.writes()).toEqual([]);
    expect(drifted.stdout).toContain(`Refused: environment prod differs from the reviewed plan, and a reviewed plan is applied in all its environments or in none; nothing applied.`);
    expect(drifted.stdout).toContain(`Refused: the plan differs from the reviewed one in ${planFile} (live state or config changed since review); nothing applied.`);
    expect(drifted.stdout.trimEnd().split('\n').at(-1)).toBe('Environments: 2 refused (dev, prod).');

    // Reviewed again: both applied.
    const replanned = await run(dir, ['plan', '--out', planFile]);
    expect(replanned.code).toBe(0);
    const applied = await run(dir, ['apply', '--plan-file', planFile]);
    expect(applied.code, context(applied)).toBe(0);
    expect(keys('dev')).toEqual(['posthog', 'slack', 'trial-analytics']);
    expect(fixture.emu.integration('posthog', 'prod')?.display_name).toBe('PostHog');
  });

  it('refuses a plan file whose environments are not the selected ones, of the other kind, or edited', async () => {
    const dir = config();
    const planFile = join(dir, 'plan.json');
    expect((await run(dir, ['plan', '--out', planFile])).code).toBe(0);

    const devOnly = await run(dir, ['apply', '--plan-file', planFile, '--environment', 'dev']);
    expect(devOnly.code).toBe(1);
    expect(devOnly.stderr).toBe(`error: ${planFile}: the reviewed plan is for environments dev, prod, but this run selects dev: select the same environments (--environment), or run plan --out again\n`);

    const single = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: posthog\n    provider: posthog\n' });
    const other = await runCli(['apply', '-c', single, '--plan-file', planFile], { env: { NANGO_HOST: fixture.emu.url, NANGO_SECRET_KEY: KEY_DEV } });
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(`error: ${planFile}: a plan of environments dev, prod, but this config declares no environments: run plan --out again with this config\n`);

    const doc = JSON.parse(readFileSync(planFile, 'utf8')) as { environments: Array<{ unmanaged: string[] }> };
    doc.environments[1]!.unmanaged.push('sneaked-in');
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(doc));
    const tampered = await run(dir, ['apply', '--plan-file', edited]);
    expect(tampered.code).toBe(3);
    expect(tampered.stderr).toBe(`error: ${edited}: the plan's digest does not match its content (edited after review?)\n`);

    writeFileSync(edited, JSON.stringify({ format_version: 2, environments: [{ name: 'dev' }] }));
    const shape = await run(dir, ['apply', '--plan-file', edited]);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toBe(`error: ${edited}: not a nango-gitops plan (format_version 2): $.environments[0].host: missing (expected a string)\n`);
    expect(fixture.emu.writes()).toEqual([]);
  });
});

describe('a plan file of several environments of the wrong shape', () => {
  type Doc = { environments: Array<Record<string, unknown> & { changes: Array<Record<string, unknown>> }> } & Record<string, unknown>;
  const CASES: Array<[string, (d: Doc) => void, string]> = [
    ['environments: {}', (d) => void (d['environments'] = {} as never), '$.environments: expected an array'],
    ['an entry without a name', (d) => void delete d.environments[0]!['name'], '$.environments[0].name: missing (expected a string)'],
    ['a secret key added to an entry', (d) => void (d.environments[1]!['secret_key'] = 'x'), '$.environments[1].secret_key: unexpected key'],
    ['an unknown status', (d) => void (d.environments[0]!['status'] = 'done'), '$.environments[0].status: expected one of "invalid", "planned", "refused", "applied", "failed"'],
    ['an unknown action', (d) => void (d.environments[0]!.changes[0]!['action'] = 'nuke'), '$.environments[0].changes[0].action: expected one of "create", "update", "rename", "delete", "replace"'],
  ];

  it.each(CASES)('%s: one line naming the file and the JSON path, exit 1, no request', async (_name, edit, problem) => {
    const dir = config();
    const planFile = join(dir, 'plan.json');
    expect((await run(dir, ['plan', '--out', planFile])).code).toBe(0);
    const doc = JSON.parse(readFileSync(planFile, 'utf8')) as Doc;
    edit(doc);
    writeFileSync(planFile, JSON.stringify(doc));
    fixture.emu.clearRequests();
    const r = await run(dir, ['apply', '--plan-file', planFile]);
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr).toBe(`error: ${planFile}: not a nango-gitops plan (format_version 2): ${problem}\n`);
    expect(fixture.emu.requests).toEqual([]);
  });
});

// The JSON files the tool reads back (the fingerprint state file, a reviewed plan): a file of the wrong
// shape at any depth is one line naming the file and the JSON path, exit 1, before any API call; and
// keys such as `__proto__` are stored and read like any other.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDigest } from '../../src/plan/plan.js';
import type { Plan } from '../../src/plan/types.js';
import { DEFAULT_SECRET_KEY } from '../emulator/server.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();

/** The id the CLI files this environment's fingerprints under (see state/fingerprints.ts). */
const ENV_ID = createHmac('sha256', DEFAULT_SECRET_KEY).update('nango-gitops environment id').digest('hex').slice(0, 16);

const CONFIG = { 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    integration_config:\n      region: eu\n' };

function expectOneLineError(r: CliResult, line: RegExp): void {
  const context = `exit ${String(r.code)}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  expect(r.code, context).toBe(1);
  expect(r.stderr.split('\n').filter((l) => l !== ''), context).toEqual([expect.stringMatching(line)]);
  expect(r.stderr, context).not.toMatch(/^\s+at |internal error/m);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a state file of the wrong shape', () => {
  const env = (id: string) => `$.environments.${id}`;
  const state = (environments: unknown): string => JSON.stringify({ format_version: 1, environments });
  const CASES: Array<[string, string, string]> = [
    ['null', 'null', '$: expected an object'],
    ['a list', '[]', '$: expected an object'],
    ['another format version', JSON.stringify({ format_version: 2, environments: {} }), '$.format_version: expected 1'],
    ['no environments', JSON.stringify({ format_version: 1 }), '$.environments: missing (expected an object)'],
    ['an unknown top-level key', JSON.stringify({ format_version: 1, environments: {}, extra: true }), '$.extra: unexpected key'],
    ['environments: []', state([]), '$.environments: expected an object'],
    ['an environment that is a string', state({ [ENV_ID]: 'x' }), `${env(ENV_ID)}: expected an object`],
    ['integrations: null', state({ [ENV_ID]: { integrations: null } }), `${env(ENV_ID)}.integrations: expected an object`],
    ['integrations: []', state({ [ENV_ID]: { integrations: [] } }), `${env(ENV_ID)}.integrations: expected an object`],
    ['an integration entry that is a string', state({ [ENV_ID]: { integrations: { analytics: 'x' } } }), `${env(ENV_ID)}.integrations.analytics: expected an object`],
    [
      'a fingerprint that is a number',
      state({ [ENV_ID]: { integrations: { 'slack prod': { 'integration_config.region': 5 } } } }),
      `${env(ENV_ID)}.integrations["slack prod"]["integration_config.region"]: expected a string`,
    ],
    ['a __proto__ entry that is a list', `{"format_version":1,"environments":{"${ENV_ID}":{"integrations":{"__proto__":[]}}}}`, `${env(ENV_ID)}.integrations.__proto__: expected an object`],
    ["another environment's entry", state({ other: { integrations: { k: { p: null } } } }), '$.environments.other.integrations.k.p: expected a string'],
    ['a section name that is not a string', state({ [ENV_ID]: { environment: 5, integrations: {} } }), `${env(ENV_ID)}.environment: expected a string`],
    ['an unknown key in a section', state({ [ENV_ID]: { host: 'https://api.nango.dev', integrations: {} } }), `${env(ENV_ID)}.host: unexpected key`],
  ];

  it.each(CASES)('%s: one line naming the file and the JSON path, exit 1, no request', async (_name, content, problem) => {
    const path = join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');
    writeFileSync(path, content);
    for (const command of ['plan', 'apply']) {
      const r = await runCli([command, '-c', tempConfig(CONFIG), '--state', path], { env: fixture.env() });
      expectOneLineError(r, new RegExp(`^error: state file ${escape(path)}: ${escape(problem)} \\(delete it to start over`));
    }
    expect(fixture.emu.requests).toEqual([]);
    expect(fixture.emu.writes()).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });
});

describe('a state file of the wrong shape, in the daemon', () => {
  it('stops the daemon at start-up with the same one line, before any request', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');
    writeFileSync(path, JSON.stringify({ format_version: 1, environments: { [ENV_ID]: { integrations: null } } }));
    // A daemon that started would run until killed: the timeout turns that into a failure.
    const r = await runCli(['daemon', '-c', tempConfig(CONFIG), '--state', path, '--listen', '127.0.0.1:0'], { env: fixture.env(), timeoutMs: 8_000 });
    expectOneLineError(r, new RegExp(`^error: state file ${escape(path)}: \\$\\.environments\\.${ENV_ID}\\.integrations: expected an object `));
    expect(fixture.emu.requests).toEqual([]);
  });
});

describe('a reviewed plan file of the wrong shape', () => {
  /** A real plan from `plan --out`, then damaged; the digest is recomputed where it can be, so only the shape check can catch it. */
  async function reviewedPlan(): Promise<{ dir: string; plan: Plan }> {
    fixture.emu.seed([{ unique_key: 'old', provider: 'posthog', connections: 2 }]);
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    display_name: Analytics\n' });
    const r = await runCli(['plan', '-c', dir, '--prune', '--allow-delete-connections', '--out', join(dir, 'plan.json')], { env: fixture.env() });
    expect(r.code, r.stderr).toBe(0);
    return { dir, plan: JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as Plan };
  }

  type Edit = (plan: Record<string, unknown> & { changes: Array<Record<string, unknown> & { fields: Array<Record<string, unknown>> }> }) => void;
  const CASES: Array<[string, Edit, string]> = [
    ['changes: null', (p) => void (p['changes'] = null as never), '$.changes: expected an array'],
    ['a change that is null', (p) => void (p.changes[0] = null as never), '$.changes[0]: expected an object'],
    ['a change that is a string', (p) => void (p.changes[0] = 'create analytics' as never), '$.changes[0]: expected an object'],
    ['an unknown action', (p) => void (p.changes[0]!['action'] = 'nuke'), '$.changes[0].action: expected one of "create", "update", "rename", "delete", "replace"'],
    ['a unique_key that is a number', (p) => void (p.changes[0]!['unique_key'] = 5), '$.changes[0].unique_key: expected a string'],
    ['fields: null', (p) => void (p.changes[0]!['fields'] = null as never), '$.changes[0].fields: expected an array'],
    ['a field path that is a number', (p) => void (p.changes[0]!.fields[0]!['path'] = 5), '$.changes[0].fields[0].path: expected a string'],
    ['sensitive: "yes"', (p) => void (p.changes[0]!.fields[0]!['sensitive'] = 'yes'), '$.changes[0].fields[0].sensitive: expected true'],
    ['an unknown field key', (p) => void (p.changes[0]!.fields[0]!['value'] = 'x'), '$.changes[0].fields[0].value: unexpected key'],
    ['connections: -1', (p) => void (p.changes[1]!['connections'] = -1), '$.changes[1].connections: expected a whole number >= 0 or "unknown"'],
    ['summary: []', (p) => void (p['summary'] = []), '$.summary: expected an object'],
    ['a summary count that is a string', (p) => void ((p['summary'] as Record<string, unknown>)['create'] = '1'), '$.summary.create: expected a whole number >= 0'],
    ['unmanaged: [1]', (p) => void (p['unmanaged'] = [1]), '$.unmanaged[0]: expected a string'],
    ['notes: {}', (p) => void (p['notes'] = {}), '$.notes: expected an array'],
    ['no digest', (p) => void delete p['digest'], '$.digest: missing (expected a string)'],
    ['format_version: "1"', (p) => void (p['format_version'] = '1'), '$.format_version: expected 1'],
    ['an unknown top-level key', (p) => void (p['applied'] = true), '$.applied: unexpected key'],
  ];

  it.each(CASES)('%s: one line naming the file and the JSON path, exit 1, no request', async (_name, edit, problem) => {
    const { dir, plan } = await reviewedPlan();
    expect(plan.changes.map((c) => c.action)).toEqual(['create', 'delete']);
    const damaged = structuredClone(plan) as unknown as Parameters<Edit>[0];
    edit(damaged);
    if (Object.hasOwn(damaged, 'digest')) {
      try {
        damaged['digest'] = planDigest(damaged as unknown as Plan);
      } catch {
        // Too damaged to hash: the shape check must still come first.
      }
    }
    const file = join(dir, 'damaged.json');
    writeFileSync(file, JSON.stringify(damaged));
    fixture.emu.clearRequests();
    const r = await runCli(['apply', '-c', dir, '--prune', '--allow-delete-connections', '--plan-file', file], { env: fixture.env() });
    expectOneLineError(r, new RegExp(`^error: ${escape(file)}: not a nango-gitops plan \\(format_version 1\\): ${escape(problem)}$`));
    expect(fixture.emu.requests).toEqual([]);
    expect(fixture.emu.integrations().map((i) => i.unique_key)).toEqual(['old']);
  });
});

describe('keys that are names of Object.prototype members', () => {
  const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
  const config = (region: string): Record<string, string> => ({
    'a.yaml': `integrations:\n${KEYS.map((k) => `  - unique_key: ${k}\n    provider: posthog\n    display_name: Key ${k}\n    integration_config:\n      region: ${region}\n`).join('')}`,
  });

  it('round-trip through plan --out, apply --plan-file, the state file and the next plans', async () => {
    const dir = tempConfig(config('eu'));
    const statePath = join(dir, 'state.json');
    const planFile = join(dir, 'plan.json');
    const run = (args: string[]) => runCli([...args, '-c', dir, '--state', statePath], { env: fixture.env() });

    const plan = await run(['plan', '--out', planFile]);
    expect(plan.code, plan.stderr).toBe(0);
    const reviewed = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    expect(reviewed.changes.map((c) => c.unique_key).sort()).toEqual([...KEYS].sort());

    const applied = await run(['apply', '--plan-file', planFile]);
    expect(applied.code, applied.stderr).toBe(0);
    for (const key of KEYS) {
      expect(fixture.emu.integration(key), key).toMatchObject({ unique_key: key, display_name: `Key ${key}`, integration_config: { region: 'eu' } });
    }

    // Every key's fingerprint is in the file as an own entry, and read back on the next run.
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as { environments: Record<string, { integrations: Record<string, unknown> }> };
    const recorded = state.environments[ENV_ID]?.integrations ?? {};
    expect(Object.keys(recorded).sort()).toEqual([...KEYS].sort());
    for (const key of KEYS) expect(Object.getOwnPropertyDescriptor(recorded, key)?.value, key).toEqual({ 'integration_config.region': expect.stringMatching(/^[0-9a-f]{64}$/) });

    const again = await run(['plan', '--format', 'json', '--detailed-exitcode']);
    expect(again.code, again.stdout).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changes: [], notes: [], summary: { unchanged: KEYS.length } });

    // A changed value Nango never shows back is noticed through each key's recorded fingerprint.
    const rotated = await runCli(['plan', '-c', tempConfig(config('us')), '--state', statePath, '--format', 'json'], { env: fixture.env() });
    const changed = JSON.parse(rotated.stdout) as Plan;
    expect(changed.changes.map((c) => [c.action, c.unique_key, c.fields.map((f) => f.path)]).sort()).toEqual(
      [...KEYS].sort().map((k) => ['update', k, ['integration_config.region']]),
    );
  });

  it('are seeded in the emulator and kept, renamed and deleted like any other key', async () => {
    fixture.emu.seed(KEYS.map((k) => ({ unique_key: k, provider: 'posthog', display_name: `Key ${k}` })));
    const dir = tempConfig({
      'a.yaml': 'integrations:\n  - unique_key: __proto__\n    provider: posthog\n    display_name: Key __proto__\n  - unique_key: valueOf\n    renamed_from: constructor\n    provider: posthog\n    display_name: Key constructor\n',
    });
    const r = await runCli(['apply', '-c', dir, '--prune', '--max-deletes', '2', '--format', 'json'], { env: fixture.env() });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Plan;
    expect(result.changes.map((c) => [c.action, c.unique_key, c.result]).sort()).toEqual([
      ['delete', 'hasOwnProperty', 'applied'],
      ['delete', 'toString', 'applied'],
      ['rename', 'valueOf', 'applied'],
    ]);
    expect(result.summary.unchanged).toBe(1);
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(['__proto__', 'valueOf']);
  });
});

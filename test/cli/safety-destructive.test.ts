// Process-level tests for the rules that guard deletes and replaces, each of which had only unit tests
// (or none): a broken copy of any of them would destroy connections without any other test noticing.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, scopesWithout, type SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

/** Same environment as the default key, but cannot count connections (they become "unknown"). */
const NO_CONNECTIONS_KEY = '6e5d4c3b-2a19-4f08-9e7d-6c5b4a392817';
/** Same environment as the default key, but Nango refuses its DELETEs (403). */
const NO_DELETE_KEY = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918';

const fixture = useEmulator({
  keys: [
    { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
    { secretKey: NO_CONNECTIONS_KEY, environment: 'dev', scopes: scopesWithout('environment:connections:list') },
    { secretKey: NO_DELETE_KEY, environment: 'dev', scopes: scopesWithout('environment:integrations:delete') },
  ],
});
const env = (secretKey = DEFAULT_SECRET_KEY): Record<string, string> => fixture.env({ NANGO_SECRET_KEY: secretKey });
const posthog = (key: string, connections = 0): SeedIntegration => ({ unique_key: key, provider: 'posthog', connections });
/** Declares `key` with provider mixpanel: a replace of a seeded posthog integration. */
const mixpanel = (key: string): Record<string, string> => ({ [`${key}.yaml`]: `integrations:\n  - unique_key: ${key}\n    provider: mixpanel\n` });

interface PlanJson {
  changes: Array<{ action: string; unique_key: string; blocked?: string; connections?: number | 'unknown'; result?: string; error?: string }>;
}
const planOf = (stdout: string): PlanJson => JSON.parse(stdout) as PlanJson;
const change = (plan: PlanJson, key: string): PlanJson['changes'][number] | undefined => plan.changes.find((c) => c.unique_key === key);

describe('replaces count as deletes', () => {
  it('one delete plus one allowed replace with --max-deletes 1 blocks both, zero writes', async () => {
    fixture.emu.seed([posthog('analytics'), posthog('old-a')]);
    const r = await runCli(['apply', '-c', tempConfig(mixpanel('analytics')), '--prune', '--allow-replace', '--max-deletes', '1', '--format', 'json'], { env: env() });
    expect(r.code).toBe(3);
    const plan = planOf(r.stdout);
    expect(plan.changes.map((c) => [c.action, c.unique_key])).toEqual([['replace', 'analytics'], ['delete', 'old-a']]);
    for (const c of plan.changes) expect(c.blocked).toContain('deletes or replaces 2 integrations, more than --max-deletes 1');
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integration('analytics')?.provider).toBe('posthog');
    expect(fixture.emu.integration('old-a')).toBeDefined();
  });
});

describe('replaces destroy connections', () => {
  it('a replace of an integration with connections needs --allow-delete-connections as well as --allow-replace', async () => {
    fixture.emu.seed([posthog('analytics', 5)]);
    const dir = tempConfig(mixpanel('analytics'));
    const r = await runCli(['apply', '-c', dir, '--allow-replace', '--format', 'json'], { env: env() });
    expect(r.code).toBe(3);
    expect(change(planOf(r.stdout), 'analytics')).toMatchObject({ action: 'replace', connections: 5 });
    expect(change(planOf(r.stdout), 'analytics')?.blocked).toContain('it has 5 connections, which the replace would destroy');
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integration('analytics')).toMatchObject({ provider: 'posthog', connections: 5 });

    const allowed = await runCli(['apply', '-c', dir, '--allow-replace', '--allow-delete-connections'], { env: env() });
    expect(allowed.code).toBe(0);
    expect(fixture.emu.integration('analytics')).toMatchObject({ provider: 'mixpanel', connections: 0 });
  });

  it('a replace whose connections cannot be counted is blocked the same way', async () => {
    fixture.emu.seed([posthog('analytics')]);
    const r = await runCli(['apply', '-c', tempConfig(mixpanel('analytics')), '--allow-replace', '--format', 'json'], { env: env(NO_CONNECTIONS_KEY) });
    expect(r.code).toBe(3);
    expect(change(planOf(r.stdout), 'analytics')).toMatchObject({ action: 'replace', connections: 'unknown' });
    expect(change(planOf(r.stdout), 'analytics')?.blocked).toContain('its connections could not be counted, which the replace would destroy');
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('a delete whose connections cannot be counted is blocked until --allow-delete-connections', async () => {
    fixture.emu.seed([posthog('keep'), posthog('old-a')]);
    const dir = tempConfig({ 'keep.yaml': 'integrations:\n  - unique_key: keep\n    provider: posthog\n' });
    const r = await runCli(['apply', '-c', dir, '--prune'], { env: env(NO_CONNECTIONS_KEY) });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('- delete old-a (posthog): not declared in any file; prune is on; destroys an unknown number of connections');
    expect(r.stdout).toContain('its connections could not be counted, which the delete would destroy');
    expect(fixture.emu.writes()).toHaveLength(0);

    const allowed = await runCli(['apply', '-c', dir, '--prune', '--allow-delete-connections'], { env: env(NO_CONNECTIONS_KEY) });
    expect(allowed.code).toBe(0);
    expect(fixture.emu.integration('old-a')).toBeUndefined();
  });
});

describe('a replace is a delete, then a create', () => {
  it('a replace whose DELETE fails sends no POST and reports the delete\'s error', async () => {
    fixture.emu.seed([posthog('analytics')]);
    const r = await runCli(['apply', '-c', tempConfig(mixpanel('analytics')), '--allow-replace', '--format', 'json'], { env: env(NO_DELETE_KEY) });
    expect(r.code).toBe(1);
    expect(change(planOf(r.stdout), 'analytics')).toMatchObject({ action: 'replace', result: 'failed' });
    expect(change(planOf(r.stdout), 'analytics')?.error).toContain('lacks the scope environment:integrations:delete');
    expect(fixture.emu.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(['DELETE /integrations/analytics 403']);
    expect(fixture.emu.integration('analytics')?.provider).toBe('posthog');
  });
});

describe('protect', () => {
  it('a protected key is never replaced, whatever the --allow-* flags', async () => {
    fixture.emu.seed([posthog('billing-prod')]);
    const dir = tempConfig(mixpanel('billing-prod'));
    const r = await runCli(['apply', '-c', dir, '--allow-replace', '--allow-delete-connections', '--protect', '*-prod', '--format', 'json'], { env: env() });
    expect(r.code).toBe(3);
    expect(change(planOf(r.stdout), 'billing-prod')?.blocked).toContain('"billing-prod" is protected (protect: "*-prod"): it is never replaced');
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integration('billing-prod')?.provider).toBe('posthog');
  });

  it('settings.protect protects against a replace as --protect does', async () => {
    fixture.emu.seed([posthog('billing-prod')]);
    const dir = tempConfig({ ...mixpanel('billing-prod'), 'settings.yaml': 'settings:\n  protect: ["billing-*"]\n' });
    const r = await runCli(['apply', '-c', dir, '--allow-replace', '--allow-delete-connections'], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('is protected (protect: "billing-*")');
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

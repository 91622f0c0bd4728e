import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, type SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const env = (): Record<string, string> => fixture.env();
const apiKey = (key: string, connections = 0): SeedIntegration => ({ unique_key: key, provider: 'posthog', connections });
const KEEP = { 'keep.yaml': 'integrations:\n  - unique_key: keep\n    provider: posthog\n' };

describe('deletes', () => {
  it('without --prune sends no DELETE and counts undeclared integrations as unmanaged', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('old-a'), apiKey('old-b')]);
    const r = await runCli(['apply', '-c', tempConfig(KEEP), '--format', 'json'], { env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary).toMatchObject({ delete: 0, unmanaged: 2 });
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('--prune with two deletes is refused by the default --max-deletes 1; --max-deletes 2 deletes both', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('old-a'), apiKey('old-b')]);
    const dir = tempConfig(KEEP);
    const refused = await runCli(['apply', '-c', dir, '--prune'], { env: env() });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('more than --max-deletes 1');
    expect(fixture.emu.writes()).toHaveLength(0);
    const allowed = await runCli(['apply', '-c', dir, '--prune', '--max-deletes', '2'], { env: env() });
    expect(allowed.code).toBe(0);
    expect(fixture.emu.integrations().map((i) => i.unique_key)).toEqual(['keep']);
  });

  it('prune: true in the committed settings works like --prune, and --no-prune overrides it', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('old-a')]);
    const dir = tempConfig({ ...KEEP, 'settings.yaml': 'settings:\n  prune: true\n' });
    const overridden = await runCli(['plan', '-c', dir, '--no-prune', '--format', 'json'], { env: env() });
    expect(JSON.parse(overridden.stdout).summary).toMatchObject({ delete: 0, unmanaged: 1 });
    const r = await runCli(['apply', '-c', dir], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('- delete old-a (posthog): not declared in any file; prune is on\n');
    expect(fixture.emu.integration('old-a')).toBeUndefined();
  });

  it('does not delete an integration with connections without --allow-delete-connections, and shows the count', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('slack-old', 1204)]);
    const dir = tempConfig(KEEP);
    const r = await runCli(['apply', '-c', dir, '--prune'], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('- delete slack-old (posthog): not declared in any file; prune is on; destroys 1,204 connections');
    expect(r.stdout).toContain('--allow-delete-connections');
    expect(fixture.emu.writes()).toHaveLength(0);
    const allowed = await runCli(['apply', '-c', dir, '--prune', '--allow-delete-connections'], { env: env() });
    expect(allowed.code).toBe(0);
    expect(fixture.emu.integration('slack-old')).toBeUndefined();
  });

  it('never deletes protected keys: their removal is reported as unmanaged', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('billing-prod')]);
    const r = await runCli(['apply', '-c', tempConfig(KEEP), '--prune', '--protect', '*-prod', '--format', 'json'], { env: env() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ summary: { delete: 0, unmanaged: 1 }, unmanaged: ['billing-prod'] });
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('an empty config directory with --prune deletes nothing and exits 3', async () => {
    fixture.emu.seed([apiKey('a')]);
    const r = await runCli(['apply', '-c', tempConfig({}), '--prune', '--max-deletes', '10'], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('--allow-empty');
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('one broken file with --prune: exit 1 and zero writes', async () => {
    fixture.emu.seed([apiKey('keep'), apiKey('declared-in-broken-file')]);
    const dir = tempConfig({ ...KEEP, 'broken.yaml': 'integrations:\n  - unique_key: declared-in-broken-file\n    provider: posthog\n   bad: indent\n' });
    const r = await runCli(['apply', '-c', dir, '--prune', '--allow-delete-connections', '--max-deletes', '5'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+/);
    expect(fixture.emu.requests).toHaveLength(0);
  });

  it('a provider change without --allow-replace exits 3 with zero writes', async () => {
    fixture.emu.seed([apiKey('analytics')]);
    const r = await runCli(['apply', '-c', tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: mixpanel\n' })], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('forces replacement: provider');
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

describe('renames', () => {
  const RENAMED = { 'a.yaml': 'integrations:\n  - unique_key: analytics-new\n    renamed_from: analytics\n    provider: posthog\n' };

  it('renames in place: same integration, connections kept, webhook URL follows the key', async () => {
    fixture.emu.seed([apiKey('analytics')]);
    const before = await fetch(`${fixture.emu.url}/integrations/analytics?include[]=webhook`, { headers: { authorization: `Bearer ${DEFAULT_SECRET_KEY}` } }).then((r) => r.json() as Promise<{ data: { webhook_url: string; created_at: string } }>);
    const r = await runCli(['apply', '-c', tempConfig(RENAMED)], { env: env() });
    expect(r.code).toBe(0);
    const after = await fetch(`${fixture.emu.url}/integrations/analytics-new?include[]=webhook`, { headers: { authorization: `Bearer ${DEFAULT_SECRET_KEY}` } }).then((r) => r.json() as Promise<{ data: { webhook_url: string; created_at: string } }>);
    expect(after.data.created_at).toBe(before.data.created_at);
    expect(after.data.webhook_url).toBe(before.data.webhook_url.replace(/analytics$/, 'analytics-new'));
    expect(fixture.emu.writes().map((w) => w.method)).toEqual(['PATCH']);
  });

  it('a rename of an integration with connections is blocked in the plan, never turned into delete + create', async () => {
    fixture.emu.seed([apiKey('analytics', 7)]);
    const r = await runCli(['apply', '-c', tempConfig(RENAMED), '--prune', '--allow-delete-connections', '--allow-replace'], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('→ rename analytics → analytics-new');
    expect(r.stdout).toContain('keep unique_key "analytics"');
    expect(r.stdout).not.toMatch(/^\s+(- delete|\+ create)/m);
    expect(r.stdout).toContain('0 to create, 0 to update, 1 to rename, 0 to delete');
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integration('analytics')?.connections).toBe(7);
  });
});

describe('reviewed plans', () => {
  it('apply --plan-file applies the reviewed plan, and refuses one whose live state changed after review', async () => {
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    display_name: Analytics\n' });
    const planFile = join(dir, 'plan.json');
    fixture.emu.seed([apiKey('analytics')]);
    const plan = await runCli(['plan', '-c', dir, '--out', planFile], { env: env() });
    expect(plan.code).toBe(0);
    expect(JSON.parse(readFileSync(planFile, 'utf8')).digest).toMatch(/^[0-9a-f]{64}$/);

    // Someone changes the integration in the dashboard after the review.
    fixture.emu.reset();
    fixture.emu.seed([{ ...apiKey('analytics'), display_name: 'Changed by hand' }]);
    const refused = await runCli(['apply', '-c', dir, '--plan-file', planFile], { env: env() });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('differs from the reviewed one');
    expect(fixture.emu.writes()).toHaveLength(0);

    const fresh = await runCli(['plan', '-c', dir, '--out', planFile], { env: env() });
    expect(fresh.code).toBe(0);
    const applied = await runCli(['apply', '-c', dir, '--plan-file', planFile], { env: env() });
    expect(applied.code).toBe(0);
    expect(fixture.emu.integration('analytics')?.display_name).toBe('Analytics');
  });

  it('refuses a plan file edited after review', async () => {
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
    const planFile = join(dir, 'plan.json');
    await runCli(['plan', '-c', dir, '--out', planFile], { env: env() });
    const doc = JSON.parse(readFileSync(planFile, 'utf8'));
    doc.changes = [];
    writeFileSync(planFile, JSON.stringify(doc));
    const r = await runCli(['apply', '-c', dir, '--plan-file', planFile], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('digest does not match');
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

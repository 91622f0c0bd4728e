// Keys that look alike: a key that differs from a remote one only by spaces, case or Unicode form must
// never turn into "create the new one, delete the real one". Run through the built CLI against the emulator.
import { describe, expect, it } from 'vitest';
import type { SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const apiKey = (key: string, connections = 0): SeedIntegration => ({ unique_key: key, provider: 'posthog', connections });
const declare = (...lines: string[]): Record<string, string> => ({ 'a.yaml': `integrations:\n${lines.join('\n')}\n` });
/** Every safety flag that could let a destructive plan through, so only the rule under test can stop it. */
const PERMISSIVE = ['--prune', '--max-deletes', '100', '--allow-delete-connections', '--allow-replace'];

describe('keys with leading or trailing spaces', () => {
  it('a unique_key with a trailing space is a schema error with its location: apply --prune writes nothing', async () => {
    fixture.emu.seed([apiKey('slack-prod', 12)]);
    const dir = tempConfig(declare('  - unique_key: "slack-prod "', '    provider: posthog'));
    const r = await runCli(['apply', '-c', dir, ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^\S*a\.yaml:2:17: unique_key: must not start or end with a space$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(fixture.emu.requests).toHaveLength(0);
    expect(fixture.emu.integration('slack-prod')?.connections).toBe(12);
  });

  it('a leading space in renamed_from or unique_key is located too, one line per problem', async () => {
    fixture.emu.seed([apiKey('old'), apiKey('slack-prod')]);
    const dir = tempConfig(
      declare('  - unique_key: new', '    renamed_from: " old"', '    provider: posthog', '  - unique_key: " slack-prod"', '    provider: posthog'),
    );
    const r = await runCli(['apply', '-c', dir, ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/a\.yaml:3:19: renamed_from: must not start or end with a space$/),
      expect.stringMatching(/a\.yaml:5:17: unique_key: must not start or end with a space$/),
    ]);
    expect(fixture.emu.requests).toHaveLength(0);
  });

  it('inner spaces stay valid, as in Nango', async () => {
    const r = await runCli(['apply', '-c', tempConfig(declare('  - unique_key: "slack  prod"', '    provider: posthog'))], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(fixture.emu.integration('slack  prod')).toBeDefined();
  });
});

describe('a create and a delete whose keys look alike', () => {
  const PAIRS: Array<{ remote: string; declared: string; shown: string }> = [
    // Nango allows spaces anywhere; a key created by hand in the dashboard may end with one.
    { remote: 'slack-prod ', declared: 'slack-prod', shown: '"slack-prod "' },
    { remote: 'Billing', declared: 'billing', shown: 'Billing' },
    // From a hostile or unusual server: fullwidth letters (NFKC), a zero-width space.
    { remote: '\uff48ubspot', declared: 'hubspot', shown: '"\\uff48ubspot"' },
    { remote: 'crm\u200b', declared: 'crm', shown: '"crm\\u200b"' },
  ];

  it('are both blocked (exit 3) with a message naming both keys, and nothing is written', async () => {
    fixture.emu.seed(PAIRS.map((p) => apiKey(p.remote)));
    const dir = tempConfig(declare(...PAIRS.flatMap((p) => [`  - unique_key: ${p.declared}`, '    provider: posthog'])));
    const r = await runCli(['apply', '-c', dir, ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    for (const p of PAIRS) {
      expect(r.stdout).toContain(`  + create ${p.declared} (posthog)`);
      expect(r.stdout).toContain(`  - delete ${p.shown} (posthog): not declared in any file; prune is on`);
      const reason = `create "${p.declared}" and delete ${p.shown.startsWith('"') ? p.shown : `"${p.shown}"`} differ only in case, spaces or Unicode form`;
      // Once under the create, once under the delete.
      expect(r.stdout.split(reason).length - 1, r.stdout).toBe(2);
    }
    expect(r.stdout).toContain(`renamed_from`);
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(PAIRS.map((p) => p.remote).sort());
  });

  it('are blocked in the JSON plan too, where the keys stay raw', async () => {
    fixture.emu.seed([apiKey('slack-prod ')]);
    const dir = tempConfig(declare('  - unique_key: slack-prod', '    provider: posthog'));
    const r = await runCli(['plan', '-c', dir, '--format', 'json', ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const plan = JSON.parse(r.stdout) as { changes: Array<{ action: string; unique_key: string; blocked?: string }> };
    expect(plan.changes.map((c) => [c.action, c.unique_key, typeof c.blocked])).toEqual([
      ['create', 'slack-prod', 'string'],
      ['delete', 'slack-prod ', 'string'],
    ]);
  });

  it('with renamed_from linking them, the pair is a rename in place and applies', async () => {
    fixture.emu.seed([apiKey('Billing')]);
    const dir = tempConfig(declare('  - unique_key: billing', '    renamed_from: Billing', '    provider: posthog'));
    const r = await runCli(['apply', '-c', dir, ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(fixture.emu.writes().map((w) => w.method)).toEqual(['PATCH']);
    expect(fixture.emu.integrations().map((i) => i.unique_key)).toEqual(['billing']);
  });

  it('keys that differ by more than that are not a pair', async () => {
    fixture.emu.seed([apiKey('billing-old')]);
    const dir = tempConfig(declare('  - unique_key: billing-new', '    provider: posthog'));
    const r = await runCli(['apply', '-c', dir, ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(fixture.emu.integrations().map((i) => i.unique_key)).toEqual(['billing-new']);
  });
});

describe('renamed_from a protected key', () => {
  const RENAME = declare('  - unique_key: billing-main', '    renamed_from: billing-prod', '    provider: posthog');

  it('is blocked like a delete (exit 3, nothing written), with --protect', async () => {
    fixture.emu.seed([apiKey('billing-prod')]);
    const r = await runCli(['apply', '-c', tempConfig(RENAME), '--protect', '*-prod', ...PERMISSIVE], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('  → rename billing-prod → billing-main (posthog)');
    expect(r.stdout).toContain('! blocked: "billing-prod" is protected (protect: "*-prod"): a rename removes it like a delete');
    expect(fixture.emu.writes()).toHaveLength(0);
    expect(fixture.emu.integration('billing-prod')).toBeDefined();
  });

  it('and with settings.protect', async () => {
    fixture.emu.seed([apiKey('billing-prod')]);
    const dir = tempConfig({ ...RENAME, 'settings.yaml': 'settings:\n  protect: ["billing-*"]\n' });
    const r = await runCli(['apply', '-c', dir, '--max-deletes', '100'], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('"billing-prod" is protected (protect: "billing-*")');
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

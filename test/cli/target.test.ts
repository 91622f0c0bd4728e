// `--target GLOB` on plan and apply (like Terraform's -target): only matching integrations are planned
// and applied; every other key, declared or in Nango, is listed as skipped and never written, a prune
// included; a target that matches nothing is a typo, refused before any request that writes.
import { describe, expect, it } from 'vitest';
import { type SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const posthog = (key: string, connections = 0): SeedIntegration => ({ unique_key: key, provider: 'posthog', connections });
const declare = (...keys: string[]): Record<string, string> => ({
  'a.yaml': `integrations:\n${keys.map((k) => `  - unique_key: ${k}\n    provider: posthog\n    display_name: ${k} (new)\n`).join('')}`,
});
const context = (r: CliResult): string => `exit ${String(r.code)}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
const written = (): string[] => fixture.emu.writes().map((w) => `${w.method} ${decodeURIComponent(w.path)}`);

describe('--target', () => {
  it('applies only the matching integrations; the rest (a prune included) is skipped, listed and never written', async () => {
    fixture.emu.seed([posthog('slack-a'), posthog('github'), posthog('old-x'), posthog('slack-old')]);
    const dir = tempConfig(declare('slack-a', 'slack-b', 'github'));
    const r = await runCli(['apply', '-c', dir, '--prune', '--max-deletes', '5', '--target', 'slack-*'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(0);
    expect(written().sort()).toEqual(['DELETE /integrations/slack-old', 'PATCH /integrations/slack-a', 'POST /integrations']);
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(['github', 'old-x', 'slack-a', 'slack-b']);
    expect(fixture.emu.integration('github')?.display_name).not.toBe('github (new)');
    expect(r.stdout).toContain('Skipped (outside --target): 2: github, old-x.');
    expect(r.stderr).toMatch(/^warning: targeting is in effect \(--target "slack-\*"\): the plan is partial.*run without --target to converge$/m);
  });

  it('plan --format json lists the skipped keys; markdown and text show a count and the keys', async () => {
    fixture.emu.seed([posthog('github')]);
    const dir = tempConfig(declare('slack-a', 'slack-b', 'github'));
    const json = await runCli(['plan', '-c', dir, '--target', 'slack-a', '--target', 'slack-b', '--format', 'json'], { env: fixture.env() });
    expect(json.code, context(json)).toBe(0);
    const plan = JSON.parse(json.stdout) as { changes: Array<{ unique_key: string }>; skipped: string[]; summary: { unchanged: number } };
    expect(plan.changes.map((c) => c.unique_key)).toEqual(['slack-a', 'slack-b']);
    expect(plan.skipped).toEqual(['github']);
    const markdown = await runCli(['plan', '-c', dir, '--target', 'slack-a,slack-b', '--format', 'markdown'], { env: fixture.env() });
    expect(markdown.stdout).toContain('Skipped (outside `--target`): 1: `github`.');
    // Without --target there is no such field or line.
    const whole = await runCli(['plan', '-c', dir, '--format', 'json'], { env: fixture.env() });
    expect(JSON.parse(whole.stdout)).not.toHaveProperty('skipped');
    expect(whole.stderr).not.toContain('targeting');
  });

  it('shows at most 10 skipped keys in text, and how many more', async () => {
    const keys = Array.from({ length: 13 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const r = await runCli(['plan', '-c', tempConfig(declare('slack', ...keys)), '--target', 'slack'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(0);
    expect(r.stdout).toContain(`Skipped (outside --target): 13: ${keys.slice(0, 10).join(', ')}, and 3 more.`);
  });

  it('a rename is inside the target when either its old or its new key matches', async () => {
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics-new\n    renamed_from: analytics\n    provider: posthog\n  - unique_key: other\n    provider: posthog\n' });
    for (const target of ['analytics', 'analytics-new', 'analytics*']) {
      fixture.emu.reset();
      fixture.emu.seed([posthog('analytics')]);
      const r = await runCli(['apply', '-c', dir, '--target', target], { env: fixture.env() });
      expect(r.code, context(r)).toBe(0);
      expect(fixture.emu.integrations().map((i) => i.unique_key), target).toEqual(['analytics-new']);
      expect(r.stdout).toContain('Skipped (outside --target): 1: other.');
    }
  });

  it('a target that matches nothing in the config or in Nango is an error naming it, before any write', async () => {
    fixture.emu.seed([posthog('old-x')]);
    const dir = tempConfig(declare('slack-a'));
    const r = await runCli(['apply', '-c', dir, '--prune', '--target', 'slak*', '--target', 'old-x'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: --target "slak*" matches no integration in the config or in Nango (typo? globs: * and ?); nothing planned or applied',
    ]);
    expect(fixture.emu.writes()).toEqual([]);
    // From the variable, the message names the variable.
    const fromEnv = await runCli(['plan', '-c', dir, '--format', 'json'], { env: fixture.env({ NANGO_GITOPS_TARGET: 'nope,slack-a' }) });
    expect(fromEnv.code, context(fromEnv)).toBe(1);
    expect(fromEnv.stderr).toContain('error: NANGO_GITOPS_TARGET "nope" matches no integration');
    // Under --format json the failure is the one JSON document on stdout.
    const document = JSON.parse(fromEnv.stdout) as { error: { kind: string; message: string } };
    expect(document.error.kind).toBe('usage');
    expect(document.error.message).toContain('NANGO_GITOPS_TARGET "nope" matches no integration');
  });

  it('a key that exists only in Nango can be targeted (a targeted prune)', async () => {
    fixture.emu.seed([posthog('old-x'), posthog('old-y')]);
    const r = await runCli(['apply', '-c', tempConfig(declare('slack-a')), '--prune', '--target', 'old-x'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(0);
    expect(written()).toEqual(['DELETE /integrations/old-x']);
    expect(r.stdout).toContain('Skipped (outside --target): 2: old-y, slack-a.');
  });

  it('reads the credentials of targeted integrations only', async () => {
    const oauth = (key: string): SeedIntegration => ({ unique_key: key, provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'id', client_secret: 's', scopes: null, webhook_secret: null } });
    fixture.emu.seed([oauth('slack-a'), oauth('slack-b')]);
    const slack = (key: string): string => `  - unique_key: ${key}\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: id\n      client_secret: s\n`;
    const dir = tempConfig({ 'a.yaml': `integrations:\n${slack('slack-a')}${slack('slack-b')}` });
    const r = await runCli(['plan', '-c', dir, '--target', 'slack-a'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(0);
    expect(fixture.emu.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /integrations', 'GET /integrations/slack-a']);
  });

  it('under --format github the partial plan is also a warning annotation', async () => {
    const r = await runCli(['plan', '-c', tempConfig(declare('slack-a', 'github')), '--target', 'slack-a', '--format', 'github'], { env: fixture.env() });
    expect(r.code, context(r)).toBe(0);
    const annotations = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toEqual([expect.stringMatching(/^::warning title=partial plan \(--target\)::targeting is in effect \(--target "slack-a"\): the plan is partial/)]);
  });

  it('the daemon has no --target, and does not start while NANGO_GITOPS_TARGET is set', async () => {
    const dir = tempConfig(declare('slack-a'));
    // A daemon that started would run until killed: the timeout turns that into a failure.
    const flag = await runCli(['daemon', '-c', dir, '--listen', '127.0.0.1:0', '--target', 'slack-a'], { env: fixture.env(), timeoutMs: 8_000 });
    expect(flag.code, context(flag)).toBe(1);
    expect(flag.stderr).toMatch(/unknown option '--target'/);
    const variable = await runCli(['daemon', '-c', dir, '--listen', '127.0.0.1:0'], { env: fixture.env({ NANGO_GITOPS_TARGET: 'slack-a' }), timeoutMs: 8_000 });
    expect(variable.code, context(variable)).toBe(1);
    expect(variable.stderr.trim().split('\n')).toEqual(['error: NANGO_GITOPS_TARGET is set, but the daemon has no --target (a partial reconcile never converges): unset it']);
    expect(fixture.emu.requests).toEqual([]);
  });
});

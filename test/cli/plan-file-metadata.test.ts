// A plan file records how it was made: tool version, time, host and environment (never a key), and the
// flags that shape a plan. `apply --plan-file` applies those flags without their being repeated, refuses
// a flag that contradicts them, and refuses a plan file of another major version.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/package-root.js';
import { DEFAULT_SECRET_KEY, type SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const posthog = (key: string, connections = 0): SeedIntegration => ({ unique_key: key, provider: 'posthog', connections });
const context = (r: CliResult): string => `exit ${String(r.code)}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
const SECRET = 'client-secret-7f3a9e21';
const CONFIG = {
  'a.yaml': `integrations:
  - unique_key: analytics
    provider: posthog
    display_name: Analytics
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: slack-client
      client_secret: \${SLACK_SECRET}
`,
};

type Metadata = { tool: string; version: string; created_at: string; host?: string; environment?: string; flags: Record<string, unknown> };

/** plan --out with these flags; the seeded `old` (2 connections) is pruned only with --prune and --allow-delete-connections. */
async function planFile(flags: string[]): Promise<{ dir: string; file: string; text: string; metadata: Metadata }> {
  fixture.emu.seed([posthog('old', 2)]);
  const dir = tempConfig(CONFIG);
  const file = join(dir, 'plan.json');
  const r = await runCli(['plan', '-c', dir, '--out', file, ...flags], { env: fixture.env({ SLACK_SECRET: SECRET }) });
  expect(r.code, context(r)).toBe(0);
  const text = readFileSync(file, 'utf8');
  return { dir, file, text, metadata: (JSON.parse(text) as { metadata: Metadata }).metadata };
}

const apply = (dir: string, file: string, flags: string[] = [], extra: Record<string, string> = {}) =>
  runCli(['apply', '-c', dir, '--plan-file', file, ...flags], { env: fixture.env({ SLACK_SECRET: SECRET, ...extra }) });

describe('plan file metadata', () => {
  it('records the tool version, the time, the host and the shaping flags, and no secret', async () => {
    const before = Date.now();
    const { text, metadata } = await planFile(['--prune', '--allow-delete-connections', '--protect', 'keep-*', '--max-deletes', '3']);
    expect(metadata).toEqual({
      tool: 'nango-gitops',
      version: packageVersion(),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      host: fixture.emu.url,
      flags: { prune: true, protect: ['keep-*'], owns: [], max_deletes: 3, allow_replace: false, allow_delete_connections: true, allow_empty: false, target: [] },
    });
    const created = Date.parse(metadata.created_at);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect(text).not.toContain(DEFAULT_SECRET_KEY);
    expect(text).not.toContain(SECRET);
    // Flags not given are recorded as not given (the settings decide), not as their defaults.
    const plain = await planFile([]);
    expect(plain.metadata.flags).toEqual({ protect: [], owns: [], allow_replace: false, allow_delete_connections: false, allow_empty: false, target: [] });
  });

  it('apply --plan-file uses the recorded flags without their being repeated', async () => {
    const { dir, file } = await planFile(['--prune', '--allow-delete-connections']);
    fixture.emu.clearRequests();
    const r = await apply(dir, file);
    expect(r.code, context(r)).toBe(0);
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(['analytics', 'slack']);
  });

  it('a repeated flag with the same value is fine', async () => {
    const { dir, file } = await planFile(['--prune', '--allow-delete-connections', '--protect', 'a,b']);
    const r = await apply(dir, file, ['--prune', '--protect', 'b', '--protect', 'a'], { NANGO_GITOPS_ALLOW_DELETE_CONNECTIONS: 'true' });
    expect(r.code, context(r)).toBe(0);
    expect(fixture.emu.integration('old')).toBeUndefined();
  });

  it.each([
    ['--no-prune', ['--no-prune'], {}, '--prune', 'recorded: --prune; given: --no-prune'],
    ['--allow-replace', ['--allow-replace'], {}, '--allow-replace', 'recorded: false; given: true'],
    ['--max-deletes 5 (recorded: not given)', ['--max-deletes', '5'], {}, '--max-deletes', 'recorded: not given; given: 5'],
    ['--target from its variable', [], { NANGO_GITOPS_TARGET: 'slack' }, '--target', 'recorded: not given; given: "slack"'],
    ['--allow-delete-connections=false from its variable', [], { NANGO_GITOPS_ALLOW_DELETE_CONNECTIONS: 'false' }, '--allow-delete-connections', 'recorded: true; given: false'],
  ])('a contradicting %s is refused: one line naming the flag and both values, no request', async (_name, flags, extra, flag, values) => {
    const { dir, file } = await planFile(['--prune', '--allow-delete-connections']);
    fixture.emu.clearRequests();
    const r = await apply(dir, file, flags, extra);
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`error: ${file}: ${flag} contradicts the reviewed plan (${values}): drop it (the recorded flags apply), or run plan --out again with it`]);
    expect(fixture.emu.requests).toEqual([]);
  });

  it('a recorded --target is applied: only the targeted integrations are written', async () => {
    const { dir, file, metadata } = await planFile(['--target', 'analytics']);
    expect(metadata.flags['target']).toEqual(['analytics']);
    const r = await apply(dir, file);
    expect(r.code, context(r)).toBe(0);
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(['analytics', 'old']);
    expect(r.stderr).toContain(`warning: targeting is in effect (--target "analytics" (recorded in ${file}))`);
  });

  it('a plan file of another major version is refused with one line, before any request', async () => {
    const { dir, file, text } = await planFile([]);
    const edited = JSON.parse(text) as { metadata: Metadata };
    edited.metadata.version = '99.0.0';
    writeFileSync(file, JSON.stringify(edited));
    fixture.emu.clearRequests();
    const r = await apply(dir, file);
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: ${file}: written by nango-gitops 99.0.0, another major version than this one (${packageVersion()}): run plan --out again with this version`,
    ]);
    expect(fixture.emu.requests).toEqual([]);
    // Under --format json it is the plan file's fault (kind plan_file), not a flag's.
    const json = await apply(dir, file, ['--format', 'json']);
    expect(json.code, context(json)).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'plan_file', message: expect.stringContaining('another major version') } });
    expect(fixture.emu.requests).toEqual([]);
  });

  it('a plan file without metadata (written before it was recorded) is applied as before: flags must be given', async () => {
    const { dir, file, text } = await planFile(['--prune', '--allow-delete-connections']);
    const { metadata: _m, ...older } = JSON.parse(text) as { metadata: Metadata };
    writeFileSync(file, JSON.stringify(older));
    const without = await apply(dir, file);
    expect(without.code, context(without)).toBe(3);
    expect(fixture.emu.writes()).toEqual([]);
    const withFlags = await apply(dir, file, ['--prune', '--allow-delete-connections']);
    expect(withFlags.code, context(withFlags)).toBe(0);
    expect(fixture.emu.integration('old')).toBeUndefined();
  });

  it('metadata of the wrong shape is refused naming the JSON path', async () => {
    const { dir, file, text } = await planFile([]);
    const edited = JSON.parse(text) as { metadata: Metadata };
    edited.metadata.flags['max_deletes'] = '3';
    writeFileSync(file, JSON.stringify(edited));
    const r = await apply(dir, file);
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr).toContain(`error: ${file}: not a nango-gitops plan (format_version 1): $.metadata.flags.max_deletes: expected a whole number >= 0`);
  });
});

describe('the recorded host', () => {
  it('a plan file applied against another host is refused (exit 3) before any request', async () => {
    const { dir, file } = await planFile([]);
    fixture.emu.clearRequests();
    const other = 'http://127.0.0.1:9';
    const r = await apply(dir, file, [], { NANGO_HOST: other });
    expect(r.code, context(r)).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([`error: ${file}: the reviewed plan was made against ${fixture.emu.url}, this run is against ${other}; nothing applied`]);
    expect(fixture.emu.requests).toEqual([]);
  });
});

// --target and plan-file metadata with an environments block: the target applies in each environment;
// a target that matches in one environment only is fine (the others plan nothing), one that matches in
// none is refused before any environment is written; the plan file (format_version 2) records the flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { ENVIRONMENT_KEYS, useTwoEnvironments } from '../helpers/emulator.js';

const { dev: KEY_DEV, prod: KEY_PROD } = ENVIRONMENT_KEYS;

const fixture = useTwoEnvironments();

const FILES = {
  'nango/environments.yaml': `environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
    settings: { prune: true, max_deletes: 5 }
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    settings: { prune: true, max_deletes: 5 }
`,
  'nango/integrations.yaml': `integrations:
  - unique_key: posthog
    provider: posthog
    display_name: PostHog
  - unique_key: trial-analytics
    provider: posthog
    environments: [dev]
`,
};

const run = (dir: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  runCli([...args, '-c', 'nango', '--state', join(dir, 'state.json')], {
    cwd: dir,
    env: { NANGO_HOST: fixture.emu.url, NANGO_SECRET_KEY_DEV: KEY_DEV, NANGO_SECRET_KEY_PROD: KEY_PROD, ...extra },
  });
const context = (r: CliResult): string => `exit ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
const keys = (environment: string): string[] => fixture.emu.integrations(environment).map((i) => i.unique_key).sort();

describe('--target with several environments', () => {
  it('plans and applies only the target in each environment; an environment it matches nothing in is left alone', async () => {
    fixture.emu.seed([{ unique_key: 'old-dev', provider: 'posthog' }], 'dev');
    fixture.emu.seed([{ unique_key: 'old-prod', provider: 'posthog' }], 'prod');
    const dir = tempConfig(FILES);
    const r = await run(dir, ['apply', '--target', 'trial-*'], {});
    expect(r.code, context(r)).toBe(0);
    expect(keys('dev')).toEqual(['old-dev', 'trial-analytics']);
    expect(keys('prod')).toEqual(['old-prod']);
    expect(r.stdout).toContain('Skipped (outside --target): 2: old-dev, posthog.');
    expect(r.stdout).toContain('Skipped (outside --target): 2: old-prod, posthog.');
    expect(r.stderr).toContain('warning: targeting is in effect (--target "trial-*")');
  });

  it('a target that matches nothing in any environment is refused before any environment is written', async () => {
    fixture.emu.seed([{ unique_key: 'old-dev', provider: 'posthog' }], 'dev');
    const dir = tempConfig(FILES);
    const r = await run(dir, ['apply', '--target', 'posthog', '--target', 'tiral-*']);
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: --target "tiral-*" matches no integration in the config or in Nango, in environments dev, prod (typo? globs: * and ?); nothing planned or applied',
    ]);
    expect(fixture.emu.writes()).toEqual([]);
  });

  it('the plan file records the flags once; apply --plan-file applies them in every environment', async () => {
    fixture.emu.seed([{ unique_key: 'old-dev', provider: 'posthog' }], 'dev');
    const dir = tempConfig(FILES);
    const file = join(dir, 'plan.json');
    const plan = await run(dir, ['plan', '--target', 'trial-*,old-*', '--out', file]);
    expect(plan.code, context(plan)).toBe(0);
    const text = readFileSync(file, 'utf8');
    const document = JSON.parse(text) as { format_version: number; metadata: { host?: string; flags: { target: string[] } }; environments: Array<{ name: string; host: string; skipped: string[] }> };
    expect(document.format_version).toBe(2);
    expect(document.metadata.flags.target).toEqual(['trial-*', 'old-*']);
    expect(document.metadata).not.toHaveProperty('host');
    expect(document.environments.map((e) => [e.name, e.host, e.skipped])).toEqual([
      ['dev', fixture.emu.url, ['posthog']],
      ['prod', fixture.emu.url, ['posthog']],
    ]);
    expect(text).not.toContain(KEY_DEV);
    expect(text).not.toContain(KEY_PROD);

    const contradicted = await run(dir, ['apply', '--plan-file', file, '--target', 'posthog']);
    expect(contradicted.code, context(contradicted)).toBe(1);
    expect(contradicted.stderr).toContain(`${file}: --target contradicts the reviewed plan (recorded: "trial-*", "old-*"; given: "posthog")`);
    expect(fixture.emu.writes()).toEqual([]);

    const applied = await run(dir, ['apply', '--plan-file', file]);
    expect(applied.code, context(applied)).toBe(0);
    expect(keys('dev')).toEqual(['trial-analytics']);
    expect(keys('prod')).toEqual([]);
  });
});

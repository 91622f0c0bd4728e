// Usage errors, help and flag variables, through the built CLI as users run it.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { optionEnvVar } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const CONFIG = { 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' };

function expectUsageError(r: CliResult, first: RegExp, command: string): void {
  const context = `exit ${String(r.code)}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  expect(r.code, context).toBe(1);
  // One line, then where to look: never the whole help text.
  expect(r.stderr.split('\n'), context).toEqual([expect.stringMatching(first), `Run 'nango-gitops${command === '' ? '' : ` ${command}`} --help' for usage.`, '']);
  expect(r.stdout, context).toBe('');
  expect(fixture.emu.requests, context).toEqual([]);
}

describe('usage errors', () => {
  const CFG = '<config dir>';
  const CASES: Array<[string, string[], RegExp, string, Record<string, string>?]> = [
    ['an unknown flag, with a suggestion on the same line', ['plan', '-c', CFG, '--prun'], /^error: unknown option '--prun' \(Did you mean --prune\?\)$/, 'plan'],
    ['an unknown flag without a close one', ['apply', '-c', CFG, '--frobnicate'], /^error: unknown option '--frobnicate'$/, 'apply'],
    ['a value outside the choices', ['validate', '-c', CFG, '--format', 'xml'], /^error: option '--format <format>' argument 'xml' is invalid\. Allowed choices are text, json, markdown, github\.$/, 'validate'],
    ['a flag without its value', ['plan', '-c', CFG, '--out'], /^error: option '--out <file>' argument missing$/, 'plan'],
    ['a bad integer', ['daemon', '-c', CFG, '--concurrency', 'many'], /^error: option '--concurrency <n>' argument 'many' is invalid\. --concurrency must be a whole number/, 'daemon'],
    ['a bad integer from the environment', ['apply', '-c', CFG], /^error: option '--timeout <ms>' value '5s' from env 'NANGO_GITOPS_TIMEOUT' is invalid/, 'apply', { NANGO_GITOPS_TIMEOUT: '5s' }],
    ['an on/off variable that is neither', ['export'], /^error: env NANGO_GITOPS_SPLIT: expected true or false, got "sure"$/, 'export', { NANGO_GITOPS_SPLIT: 'sure' }],
    ['an argument no command takes', ['plan', '-c', CFG, 'nango/'], /^error: too many arguments for 'plan'\. Expected 0 arguments but got 1\.$/, 'plan'],
    ['an unknown command', ['pln'], /^error: unknown command 'pln' \(Did you mean plan\?\)$/, ''],
  ];
  it.each(CASES)('%s: one line and a pointer to --help, exit 1, no request', async (_name, args, first, command, env) => {
    const dir = tempConfig(CONFIG);
    const r = await runCli(
      args.map((a) => (a === CFG ? dir : a)),
      { env: fixture.env(env) },
    );
    expectUsageError(r, first, command);
  });
});

describe('a missing default ./nango', () => {
  it.each([['validate'], ['plan'], ['apply']])('%s says how to point -c at the config or create one with export', async (command) => {
    const empty = mkdtempSync(join(tmpdir(), 'nango-gitops-no-config-'));
    const r = await runCli([command], { cwd: empty, env: fixture.env() });
    expect(r.code, r.stderr).toBe(EXIT.error);
    expect(r.stderr).toContain('no config: ./nango (the default) does not exist');
    expect(r.stderr).toContain('Point -c at your config file or directory');
    expect(r.stderr).toContain('nango-gitops export -o nango/');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fixture.emu.requests).toEqual([]);
  });

  it('a -c that does not exist keeps the plain message: the user chose that path', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nango-gitops-no-config-'));
    const r = await runCli(['validate', '-c', 'nango'], { cwd: empty });
    expect(r.code).toBe(EXIT.error);
    expect(r.stderr).toBe('config path not found: nango\n');
  });
});

describe('help', () => {
  it('the top-level help names the secret key, the host and every exit code', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}NANGO_SECRET_KEY +\S/m);
    expect(r.stdout).toMatch(/^ {2}NANGO_HOST +Nango API URL \(default: https:\/\/api\.nango\.dev\)$/m);
    const codes = r.stdout.slice(r.stdout.indexOf('Exit codes:'));
    for (const code of Object.values(EXIT)) expect(codes).toMatch(new RegExp(`^ {2}${code} {2}\\S`, 'm'));
    expect(codes).toMatch(/^ {2}2 {2}changes pending \(only with --detailed-exitcode\)$/m);
    expect(codes).toMatch(/^ {2}3 {2}refused: a safety rule blocked the plan, or apply --plan-file/m);
  });

  it("every command's help shows every flag's environment variable", async () => {
    const program = await buildProgram();
    for (const command of program.commands) {
      const r = await runCli([command.name(), '--help']);
      expect(r.code).toBe(0);
      // One entry per flag: its first line starts with the flags, continuation lines are indented further.
      const entries = new Map<string, string>();
      let current: string | undefined;
      for (const line of r.stdout.split('\n')) {
        const start = /^ {2}(-\S.*?)(?: {2,}|$)/.exec(line);
        if (start) entries.set((current = start[1] ?? ''), line);
        else if (current !== undefined && /^ {4,}/.test(line)) entries.set(current, `${entries.get(current) ?? ''} ${line.trim()}`);
        else current = undefined;
      }
      for (const option of command.options) {
        if (option.hidden) continue;
        const variable = optionEnvVar(option);
        const entry = entries.get(option.flags);
        expect(entry, `${command.name()} --help lists ${option.flags}`).toBeDefined();
        expect(entry?.replace(/\s+/g, ' '), `${command.name()} ${option.flags}`).toMatch(new RegExp(`\\(.*env: ${variable ?? 'NONE'}(=true|=false)?\\)$`));
      }
    }
  });
});

describe('the variables of flags that had none', () => {
  it('NANGO_GITOPS_OUT writes the plan file, and NANGO_GITOPS_PLAN_FILE applies only that plan', async () => {
    const dir = tempConfig(CONFIG);
    const planFile = join(dir, 'plan.json');
    const plan = await runCli(['plan', '-c', dir], { env: fixture.env({ NANGO_GITOPS_OUT: planFile }) });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(readFileSync(planFile, 'utf8'))).toMatchObject({ format_version: 1, changes: [{ action: 'create', unique_key: 'analytics' }] });

    // The reviewed plan no longer matches once the integration exists: the variable was read, so exit 3.
    fixture.emu.seed([{ unique_key: 'analytics', provider: 'posthog', display_name: 'Changed behind the plan' }]);
    const drifted = await runCli(['apply', '-c', dir], { env: fixture.env({ NANGO_GITOPS_PLAN_FILE: planFile }) });
    expect(drifted.code, drifted.stderr).toBe(EXIT.refused);
    expect(drifted.stderr).toContain(`differs from the reviewed one in ${planFile}`);
    expect(fixture.emu.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('NANGO_GITOPS_OUTPUT and NANGO_GITOPS_SPLIT=true split export into a directory', async () => {
    fixture.emu.seed([
      { unique_key: 'analytics', provider: 'posthog' },
      { unique_key: 'product', provider: 'posthog' },
    ]);
    const out = join(tempConfig({}), 'nango');
    const r = await runCli(['export'], { env: fixture.env({ NANGO_GITOPS_OUTPUT: out, NANGO_GITOPS_SPLIT: 'true' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(out).sort()).toEqual(['.env.example', 'analytics.yaml', 'product.yaml']);

    const notSplit = join(tempConfig({}), 'nango');
    const off = await runCli(['export'], { env: fixture.env({ NANGO_GITOPS_OUTPUT: notSplit, NANGO_GITOPS_SPLIT: 'false' }) });
    expect(off.code, off.stderr).toBe(0);
    expect(existsSync(join(notSplit, 'integrations.yaml'))).toBe(true);
  });
});

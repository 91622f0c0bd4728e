// Colour as Terraform users expect it: on a terminal by default, never into pipes, files, markdown or
// JSON unless asked; NO_COLOR, FORCE_COLOR and --color (NANGO_GITOPS_COLOR) honoured. The terminal is a
// real pseudo-terminal from util-linux `script` (-q quiet, -f flush, -e the command's exit code, -c command).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeedIntegration } from '../emulator/server.js';
import { CLI, runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const ESC = '\u001b';
const GREEN_CREATE = `${ESC}[32m+ create fresh (posthog)`;
const seed = (): void => fixture.emu.seed([{ unique_key: 'kept', provider: 'posthog', display_name: 'Old' } satisfies SeedIntegration]);
const config = (): string =>
  tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: kept\n    provider: posthog\n    display_name: New\n  - unique_key: fresh\n    provider: posthog\n' });

const quote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

/** The CLI with its stdout and stderr on a pseudo-terminal; asynchronous, as the emulator answers from this process. */
function runInTerminal(args: string[], env: Record<string, string>): Promise<CliResult> {
  const command = [process.execPath, '--', CLI, ...args].map(quote).join(' ');
  const state = join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', NANGO_GITOPS_STATE: state, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.replaceAll('\r\n', '\n'), stderr }));
  });
}

describe('--color and the terminal', () => {
  it('a terminal gets colour by default; NO_COLOR, TERM=dumb and --color never turn it off there', async () => {
    seed();
    const dir = config();
    const coloured = await runInTerminal(['plan', '-c', dir], fixture.env());
    expect(coloured.code, coloured.stdout + coloured.stderr).toBe(0);
    expect(coloured.stdout).toContain(`  ${GREEN_CREATE}${ESC}[39m`);
    expect(coloured.stdout).toContain(`  ${ESC}[33m~ update kept (posthog)${ESC}[39m`);
    expect(coloured.stdout).toContain(`      ${ESC}[33m~${ESC}[39m display_name: "Old" → "New"`);
    const offs: Array<Record<string, string>> = [{ NO_COLOR: '1' }, { TERM: 'dumb' }, { NANGO_GITOPS_COLOR: 'never' }];
    for (const off of offs) {
      const r = await runInTerminal(['plan', '-c', dir], { ...fixture.env(), ...off });
      expect(r.code, JSON.stringify(off) + r.stdout).toBe(0);
      expect(r.stdout, JSON.stringify(off)).toContain('  + create fresh (posthog)');
      expect(r.stdout, JSON.stringify(off)).not.toContain(ESC);
    }
    const never = await runInTerminal(['plan', '-c', dir, '--color', 'never'], { ...fixture.env(), FORCE_COLOR: '1' });
    expect(never.stdout).toContain('  + create fresh (posthog)');
    expect(never.stdout).not.toContain(ESC);
  });

  it('markdown and JSON stay free of escape codes even on a terminal', async () => {
    seed();
    const dir = config();
    for (const format of ['markdown', 'json']) {
      const r = await runInTerminal(['plan', '-c', dir, '--format', format, '--color', 'always'], fixture.env());
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toContain('fresh');
      expect(r.stdout, format).not.toContain(ESC);
    }
  });

  it('a pipe gets none by default; FORCE_COLOR, --color always and NANGO_GITOPS_COLOR=always colour it', async () => {
    seed();
    const dir = config();
    const piped = await runCli(['plan', '-c', dir], { env: { ...fixture.env(), TERM: 'xterm-256color' } });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('  + create fresh (posthog)');
    expect(piped.stdout).not.toContain(ESC);
    const asks: Array<{ args: string[]; env: Record<string, string> }> = [
      { args: [], env: { FORCE_COLOR: '1', NO_COLOR: '1' } },
      { args: ['--color', 'always'], env: { NO_COLOR: '1' } },
      { args: [], env: { NANGO_GITOPS_COLOR: 'always' } },
    ];
    for (const ask of asks) {
      const r = await runCli(['plan', '-c', dir, ...ask.args], { env: { ...fixture.env(), ...ask.env } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, JSON.stringify(ask)).toContain(GREEN_CREATE);
    }
    const zero = await runCli(['plan', '-c', dir], { env: { ...fixture.env(), FORCE_COLOR: '0' } });
    expect(zero.stdout).not.toContain(ESC);
  });

  it('plan --out writes no escape code into the plan file, whatever colours stdout', async () => {
    seed();
    const dir = config();
    const out = join(mkdtempSync(join(tmpdir(), 'nango-gitops-out-')), 'plan.json');
    const r = await runInTerminal(['plan', '-c', dir, '--color', 'always', '--out', out], fixture.env());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(GREEN_CREATE);
    const file = readFileSync(out, 'utf8');
    expect(file).not.toContain(ESC);
    expect(JSON.parse(file)).toMatchObject({ format_version: 1, summary: { create: 1, update: 1 } });
  });

  it('apply colours its result lines too; a config with environments colours every section', async () => {
    seed();
    const applied = await runCli(['apply', '-c', config(), '--color', 'always'], { env: fixture.env() });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`ok      ${ESC}[32m+${ESC}[39m create fresh (posthog)`);

    const dir = tempConfig({
      'env.yaml': 'environments:\n  dev:\n    secret_key: ${DEV_KEY}\n',
      'a.yaml': 'integrations:\n  - unique_key: other\n    provider: posthog\n',
    });
    const r = await runCli(['plan', '-c', dir], { env: { ...fixture.env(), DEV_KEY: fixture.env()['NANGO_SECRET_KEY'] ?? '', FORCE_COLOR: '1' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Environment dev (');
    expect(r.stdout).toContain(`${ESC}[32m+ create other (posthog)`);
  });

  it('an unknown --color value is a one-line usage error naming the choices, before any request', async () => {
    const r = await runCli(['plan', '-c', config(), '--color', 'sometimes'], { env: fixture.env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'sometimes' is invalid");
    expect(r.stderr).toMatch(/auto, always, never/);
    expect(fixture.emu.requests).toHaveLength(0);
  });
});

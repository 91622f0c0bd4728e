// Approval before writes (issue 12): apply asks in a terminal and writes only after `yes`; without a
// terminal it refuses unless --auto-approve (or NANGO_GITOPS_AUTO_APPROVE) says the run was approved.
// The terminal is a real pseudo-terminal: util-linux `script` runs the CLI on one and relays our pipe.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { CLI, runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const QUESTION = "Only 'yes' will be accepted: ";
const SLACK = `integrations:
  - unique_key: slack
    provider: slack
    display_name: Slack
    credentials:
      type: OAUTH2
      client_id: client-1
      client_secret: \${SLACK_SECRET}
      scopes: [chat:write]
`;
const SECRET = 'approval-canary-secret-7f3';

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

interface TerminalRun {
  code: number | null;
  /** What the terminal showed (CR LF as LF). */
  screen: string;
  /** Whether the question was seen on the terminal. */
  asked: boolean;
}

/**
 * Runs the CLI on a pseudo-terminal (stdin, stdout and stderr all the terminal, unless `shell` redirects
 * one) and answers the question with `answer`, or closes the input (Ctrl-D) for 'eof'.
 */
function runInTerminal(args: string[], options: { env: Record<string, string>; cwd: string; answer?: string | 'eof'; redirect?: string }): Promise<TerminalRun> {
  const command = `${[process.execPath, '--', CLI, ...args].map(quote).join(' ')}${options.redirect ?? ''}`;
  return new Promise((resolve, reject) => {
    // No NANGO_GITOPS_AUTO_APPROVE here: the terminal is what approves.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let asked = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString().replaceAll('\r\n', '\n');
      if (!asked && screen.includes(QUESTION)) {
        asked = true;
        if (options.answer === 'eof' || options.answer === undefined) child.stdin.end();
        else child.stdin.write(`${options.answer}\n`);
      }
    });
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen, asked });
    });
  });
}

const context = (r: CliResult | TerminalRun): string => JSON.stringify(r, null, 1);

describe('apply asks for approval in a terminal (one environment)', () => {
  const fixture = useEmulator();
  const setup = () => {
    const dir = tempConfig({ 'nango/slack.yaml': SLACK });
    const env = fixture.env({ SLACK_SECRET: SECRET, NANGO_GITOPS_STATE: join(dir, 'state.json') });
    return { dir, env };
  };
  const host = () => fixture.emu.url;

  it('`yes` applies, after the plan and the question naming the host', async () => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env, answer: 'yes' });
    expect(r.code, context(r)).toBe(0);
    expect(r.screen).toContain(`Apply these changes to the environment of NANGO_SECRET_KEY (${host()})? ${QUESTION}`);
    expect(r.screen.indexOf('+ create slack')).toBeLessThan(r.screen.indexOf(QUESTION));
    expect(r.screen.indexOf(QUESTION)).toBeLessThan(r.screen.indexOf('Apply complete: 1 applied'));
    expect(fixture.emu.integrations().map((i) => i.unique_key)).toEqual(['slack']);
    expect(r.screen).not.toContain(SECRET);
  });

  it.each([
    ['no', 'no'],
    ['an empty line', ''],
    ['`y`', 'y'],
    ['`YES`', 'YES'],
    ['end of input (Ctrl-D)', 'eof'],
  ])('%s cancels: exit 1, "Apply cancelled.", not one write', async (_name, answer) => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env, answer });
    expect(r.asked, context(r)).toBe(true);
    expect(r.code, context(r)).toBe(1);
    expect(r.screen).toContain('Apply cancelled.');
    expect(r.screen).not.toContain('Apply complete');
    expect(fixture.emu.writes()).toEqual([]);
    expect(fixture.emu.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('asks on stderr when stdout is not the terminal, so a piped or saved plan holds no question', async () => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env, answer: 'yes', redirect: ` > ${quote(join(dir, 'out.txt'))}` });
    expect(r.code, context(r)).toBe(0);
    expect(r.asked).toBe(true);
    const saved = readFileSync(join(dir, 'out.txt'), 'utf8');
    expect(saved).toContain('+ create slack');
    expect(saved).toContain('Apply complete: 1 applied');
    expect(saved).not.toContain('Apply these changes');
    expect(r.screen).not.toContain('+ create slack');
  });

  it('does not ask when there is nothing to change, nor when a safety rule refused the plan', async () => {
    const { dir, env } = setup();
    fixture.emu.seed([{ unique_key: 'slack', provider: 'slack', display_name: 'Slack', credentials: { type: 'OAUTH2', client_id: 'client-1', client_secret: SECRET, scopes: 'chat:write', webhook_secret: null } }]);
    const same = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env });
    expect(same.code, context(same)).toBe(0);
    expect(same.asked).toBe(false);
    expect(same.screen).toMatch(/No changes/);

    // Two integrations nobody declares and prune on: over the default max-deletes of 1, so refused.
    fixture.emu.seed([{ unique_key: 'old-a', provider: 'posthog' }, { unique_key: 'old-b', provider: 'posthog' }]);
    const refused = await runInTerminal(['apply', '-c', 'nango', '--prune'], { cwd: dir, env });
    expect(refused.code, context(refused)).toBe(3);
    expect(refused.asked).toBe(false);
    expect(fixture.emu.writes()).toEqual([]);
  });

  it('--auto-approve and NANGO_GITOPS_AUTO_APPROVE=true apply without asking, even in a terminal', async () => {
    const { dir, env } = setup();
    const flag = await runInTerminal(['apply', '-c', 'nango', '--auto-approve'], { cwd: dir, env });
    expect(flag.code, context(flag)).toBe(0);
    expect(flag.asked).toBe(false);
    expect(fixture.emu.integrations()).toHaveLength(1);

    fixture.emu.reset();
    const variable = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env: { ...env, NANGO_GITOPS_AUTO_APPROVE: 'true' } });
    expect(variable.code, context(variable)).toBe(0);
    expect(variable.asked).toBe(false);
    expect(fixture.emu.integrations()).toHaveLength(1);

    // Off is off: the variable set to false still asks.
    fixture.emu.reset();
    const off = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env: { ...env, NANGO_GITOPS_AUTO_APPROVE: 'false' }, answer: 'no' });
    expect(off.asked, context(off)).toBe(true);
    expect(off.code).toBe(1);
    expect(fixture.emu.writes()).toEqual([]);
  });

  it('apply --plan-file does not ask: the reviewed file is the approval', async () => {
    const { dir, env } = setup();
    const planFile = join(dir, 'plan.json');
    const plan = await runCli(['plan', '-c', 'nango', '--out', planFile], { cwd: dir, env });
    expect(plan.code, context(plan)).toBe(0);
    const r = await runInTerminal(['apply', '-c', 'nango', '--plan-file', planFile], { cwd: dir, env });
    expect(r.code, context(r)).toBe(0);
    expect(r.asked).toBe(false);
    expect(fixture.emu.integrations()).toHaveLength(1);
  });

  it('apply --plan never asks and never writes', async () => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango', '--plan', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code, context(r)).toBe(2);
    expect(r.asked).toBe(false);
    expect(fixture.emu.writes()).toEqual([]);
  });
});

describe('apply without a terminal', () => {
  const fixture = useEmulator();
  const setup = () => {
    const dir = tempConfig({ 'nango/slack.yaml': SLACK });
    return { dir, env: fixture.env({ SLACK_SECRET: SECRET, NANGO_GITOPS_AUTO_APPROVE: '' }) };
  };

  it('refuses after the plan: exit 1, a message naming --auto-approve, no request beyond the plan\'s reads', async () => {
    const { dir, env } = setup();
    const r = await runCli(['apply', '-c', 'nango'], { cwd: dir, env });
    expect(r.code, context(r)).toBe(1);
    expect(r.stdout).toContain('+ create slack');
    expect(r.stderr).toMatch(/^error: apply needs approval and stdin is not a terminal .*--auto-approve \(or NANGO_GITOPS_AUTO_APPROVE=true\).*--plan-file; nothing applied\n$/);
    expect(r.stdout + r.stderr).not.toContain('Apply these changes');
    expect(fixture.emu.writes()).toEqual([]);
    const reads = fixture.emu.requests.length;
    expect(reads).toBeGreaterThan(0);
    expect(fixture.emu.requests.every((q) => q.method === 'GET')).toBe(true);

    // The same plan read by `plan` makes exactly as many requests: apply stopped at the question.
    fixture.emu.reset();
    await runCli(['plan', '-c', 'nango'], { cwd: dir, env });
    expect(fixture.emu.requests.length).toBe(reads);
  });

  it('applies with --auto-approve or NANGO_GITOPS_AUTO_APPROVE=true; a plan without changes needs neither', async () => {
    const { dir, env } = setup();
    const flag = await runCli(['apply', '-c', 'nango', '--auto-approve'], { cwd: dir, env });
    expect(flag.code, context(flag)).toBe(0);
    expect(fixture.emu.integrations()).toHaveLength(1);
    const converged = await runCli(['apply', '-c', 'nango'], { cwd: dir, env });
    expect(converged.code, context(converged)).toBe(0);
    expect(converged.stdout).toMatch(/No changes/);

    fixture.emu.reset();
    const variable = await runCli(['apply', '-c', 'nango'], { cwd: dir, env: { ...env, NANGO_GITOPS_AUTO_APPROVE: 'true' } });
    expect(variable.code, context(variable)).toBe(0);
    expect(fixture.emu.integrations()).toHaveLength(1);
  });

  it('--format json needs --auto-approve or --plan-file (like Terraform\'s -json): refused before any request', async () => {
    const { dir, env } = setup();
    const r = await runCli(['apply', '-c', 'nango', '--format', 'json'], { cwd: dir, env });
    expect(r.code, context(r)).toBe(1);
    expect(r.stderr).toContain('--auto-approve');
    expect(fixture.emu.requests).toEqual([]);
    const approved = await runCli(['apply', '-c', 'nango', '--format', 'json', '--auto-approve'], { cwd: dir, env });
    expect(approved.code, context(approved)).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ summary: { create: 1 } });
  });

  it('apply --plan-file needs no approval flag', async () => {
    const { dir, env } = setup();
    const planFile = join(dir, 'plan.json');
    expect((await runCli(['plan', '-c', 'nango', '--out', planFile], { cwd: dir, env })).code).toBe(0);
    expect(existsSync(planFile)).toBe(true);
    const r = await runCli(['apply', '-c', 'nango', '--plan-file', planFile, '--format', 'json'], { cwd: dir, env });
    expect(r.code, context(r)).toBe(0);
    expect(fixture.emu.integrations()).toHaveLength(1);
  });
});

describe('approval with an environments block: one question naming every environment that would change', () => {
  const KEY_PROD = 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d';
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator({ keys: [{ secretKey: DEFAULT_SECRET_KEY, environment: 'dev' }, { secretKey: KEY_PROD, environment: 'prod' }, { secretKey: 'c0ffee00-1111-4222-8333-444455556666', environment: 'staging' }] });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  const ENVIRONMENTS = `environments:
  dev: { secret_key: "\${NANGO_SECRET_KEY_DEV}" }
  prod: { secret_key: "\${NANGO_SECRET_KEY_PROD}" }
  staging: { secret_key: "\${NANGO_SECRET_KEY_STAGING}" }
`;
  const setup = () => {
    const dir = tempConfig({ 'nango/environments.yaml': ENVIRONMENTS, 'nango/slack.yaml': SLACK });
    const env = {
      NANGO_HOST: emu.url,
      NANGO_SECRET_KEY_DEV: DEFAULT_SECRET_KEY,
      NANGO_SECRET_KEY_PROD: KEY_PROD,
      NANGO_SECRET_KEY_STAGING: 'c0ffee00-1111-4222-8333-444455556666',
      SLACK_SECRET: SECRET,
      NANGO_GITOPS_STATE: join(dir, 'state.json'),
    };
    // staging already matches: it has nothing to apply, so the question does not name it.
    emu.seed([{ unique_key: 'slack', provider: 'slack', display_name: 'Slack', credentials: { type: 'OAUTH2', client_id: 'client-1', client_secret: SECRET, scopes: 'chat:write', webhook_secret: null } }], 'staging');
    return { dir, env };
  };

  it('`yes` applies every environment with changes; the plan comes before the question and is not repeated after it', async () => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env, answer: 'yes' });
    expect(r.code, context(r)).toBe(0);
    expect(r.screen).toContain(`Apply these changes to dev (${emu.url}) and prod (${emu.url})? ${QUESTION}`);
    const [before = '', after = ''] = r.screen.split(QUESTION);
    expect(before).toContain('Environment dev');
    expect(before).toContain('Environment staging');
    expect(before).toContain('+ create slack');
    expect(after.match(/\+ create slack/g)).toHaveLength(2);
    expect(after).not.toContain('credentials.type');
    expect(after).toContain('Environments: 3 applied (dev, prod, staging).');
    expect(emu.integrations('dev')).toHaveLength(1);
    expect(emu.integrations('prod')).toHaveLength(1);
    expect(r.screen).not.toContain(SECRET);
  });

  it('`no` writes to no environment', async () => {
    const { dir, env } = setup();
    const r = await runInTerminal(['apply', '-c', 'nango'], { cwd: dir, env, answer: 'no' });
    expect(r.code, context(r)).toBe(1);
    expect(r.screen).toContain('Apply cancelled.');
    expect(emu.writes()).toEqual([]);
  });

  it('without a terminal: refused after the plan of every environment, nothing written anywhere', async () => {
    const { dir, env } = setup();
    const r = await runCli(['apply', '-c', 'nango'], { cwd: dir, env: { ...env, NANGO_GITOPS_AUTO_APPROVE: '' } });
    expect(r.code, context(r)).toBe(1);
    expect(r.stdout).toContain('Environment prod');
    expect(r.stderr).toContain('--auto-approve');
    expect(emu.writes()).toEqual([]);
    const auto = await runCli(['apply', '-c', 'nango', '--auto-approve'], { cwd: dir, env });
    expect(auto.code, context(auto)).toBe(0);
    expect(auto.stdout).toContain('Environments: 3 applied (dev, prod, staging).');
    expect(emu.integrations('prod')).toHaveLength(1);
  });
});

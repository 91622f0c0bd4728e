// config-examples/ is what users copy: every config in it must validate, and the GitHub Actions workflow
// must only use flags the CLI has, pinned actions, and scripts that do what they claim.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { BOOLEAN_FLAG_ENV_VARS } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { DEFAULT_SECRET_KEY } from '../emulator/server.js';
import { CLI, ROOT, runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const EXAMPLES = join(ROOT, 'config-examples');
const DEMO_ENV = 'config-examples/demo.env';
const WORKFLOW_FILE = join(EXAMPLES, 'github-actions', 'nango-gitops.yml');
const PROD_KEY = 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d';

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Workflow;
const job = (name: string): Job => {
  const j = workflow.jobs[name];
  if (!j) throw new Error(`no job ${name}`);
  return j;
};
const script = (j: Job, match: string): string => {
  const s = j.steps.find((x) => x.uses?.startsWith('actions/github-script@') && String(x.with?.['script']).includes(match));
  if (!s) throw new Error(`no github-script step with ${match}`);
  return String(s.with?.['script']);
};

/** Runs an actions/github-script body as the action does: an async function of github, context, core, require. */
async function runScript(body: string, globals: Record<string, unknown>): Promise<unknown> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
  const names = Object.keys(globals);
  return new AsyncFunction(...names, body)(...names.map((n) => globals[n]));
}

/** A step's `run:` as GitHub runs it (bash -eo pipefail), in `cwd`, with `env` only; `npx … nango-gitops@…` becomes `nango`. */
function runStep(body: string, cwd: string, env: Record<string, string>, nango: string): Promise<{ code: number | null; stdout: string; outputs: Record<string, string> }> {
  const file = join(cwd, '.step.sh');
  writeFileSync(file, body.replace(/npx (?:--yes )?"?nango-gitops(?:@[^"\s]*)?"?/g, nango));
  const output = join(cwd, '.github-output');
  writeFileSync(output, '');
  return new Promise((done, fail) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(cwd, '.summary.md'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, outputs: parseEnv(readFileSync(output, 'utf8')) as Record<string, string> }));
  });
}

const step = (j: Job, id: string): Step => {
  const s = j.steps.find((x) => x.id === id || x.name === id);
  if (!s?.run) throw new Error(`no step ${id}`);
  return s;
};

function allYaml(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

describe('every nango-gitops config under config-examples/ validates with the demo env file', () => {
  // Kubernetes manifests and the workflow are not nango-gitops config; everything else is.
  const isNangoConfig = (file: string): boolean => {
    if (file.startsWith(join(EXAMPLES, 'github-actions'))) return false;
    const docs = parseAllDocuments(readFileSync(file, 'utf8'));
    const first = (Array.isArray(docs) ? docs : [docs])[0]?.toJS() as Record<string, unknown> | null;
    return !(first && 'apiVersion' in first && 'kind' in first);
  };
  const configFiles = allYaml(EXAMPLES).filter(isNangoConfig).map((f) => relative(ROOT, f));
  const runs = [['config-examples/nango'], ['config-examples/single-file'], ['config-examples/environments'], ['config-examples/kubernetes/overlays/configmap/nango']];

  it('the runs below cover every config file', () => {
    expect(configFiles.length).toBeGreaterThan(0);
    for (const file of configFiles) expect(runs.some(([dir]) => dir !== undefined && file.startsWith(`${dir}/`)), file).toBe(true);
  });

  it.each(runs)('%s', async (dir) => {
    const result = await runCli(['validate', '-c', dir, '--env-file', DEMO_ENV], { env: {} });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Valid: \d+ integrations? in \d+ files?\.$/m);
    expect(result.code).toBe(0);
  });

  it('the workflow\'s validate step passes on the examples without any secret', async () => {
    const result = await runCli(['validate', '-c', 'config-examples/nango', '--allow-missing-env', '--format', 'github'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('::error');
  });
});

describe('--format github for validate', () => {
  const broken = `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: abc
      client_secret: \${SLACK_SECRET}
      scopes: [chat:write, "bad scope"]
`;

  it('prints errors as ::error annotations with file, line and column', async () => {
    const dir = tempConfig({ 'nango/slack.yaml': broken });
    const result = await runCli(['validate', '-c', 'nango', '--format', 'github'], { cwd: dir, env: { SLACK_SECRET: 'x-secret-value' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error file=nango\/slack\.yaml,line=8,col=\d+,title=[^:]*::.*bad scope/m);
    // Text diagnostics still go to stderr, for the job log.
    expect(result.stderr).toContain('nango/slack.yaml:8:');
  });

  it('is the default under GITHUB_ACTIONS=true', async () => {
    const dir = tempConfig({ 'nango/slack.yaml': broken });
    const result = await runCli(['validate'], { cwd: dir, env: { GITHUB_ACTIONS: 'true' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error file=nango\/slack\.yaml,line=7,col=\d+,title=env SLACK_SECRET::/m);
    const text = await runCli(['validate'], { cwd: dir, env: {} });
    expect(text.stdout).not.toContain('::error');
  });
});

describe('GitHub Actions workflow (config-examples/github-actions/nango-gitops.yml)', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
  const actionStep = (): Step => {
    const found = job('plan').steps.filter((s) => /^[\w.-]+\/nango-gitops@v\d+$/.test(s.uses ?? ''));
    if (found.length !== 1 || !found[0]) throw new Error('the plan job has no step using <owner>/nango-gitops@vN');
    return found[0];
  };

  it('parses, and runs on pull requests and on pushes to main', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect((workflow.on['push'] as { branches: string[] }).branches).toEqual(['main']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs)).toEqual(['plan', 'apply']);
    expect(job('plan').if).toBe("github.event_name == 'pull_request'");
    expect(job('apply').if).toContain("github.event_name == 'push'");
  });

  it('pins every other action to a full commit SHA; the nango-gitops action is a release tag', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThan(5);
    for (const u of uses.filter((x) => x !== actionStep().uses)) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('never tests secrets in an if:', () => {
    const ifs = Object.values(workflow.jobs).flatMap((j) => [j.if, ...j.steps.map((s) => s.if)]).filter((c): c is string => c !== undefined);
    for (const condition of ifs) expect(condition).not.toContain('secrets.');
  });

  it('plans with the action (inputs action.yml declares, every environment\'s key in its env) and keeps the plan file as an artifact', () => {
    const s = actionStep();
    for (const name of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs)).toContain(name);
    expect(workflow.env?.['ENVIRONMENTS']).toBe('dev prod');
    for (const name of ['NANGO_SECRET_KEY_DEV', 'NANGO_SECRET_KEY_PROD']) expect(s.env?.[name]).toBe(`\${{ secrets.${name} }}`);
    const plan = job('plan');
    expect(plan.permissions).toMatchObject({ 'pull-requests': 'write' });
    const upload = plan.steps.find((x) => x.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ name: 'nango-gitops-plan', path: `\${{ steps.${s.id}.outputs.plan-file }}` });
    expect(upload?.if).toBe(`steps.${s.id}.outputs.plan-file != ''`);
    expect(Object.keys(action.outputs)).toContain('plan-file');

    const apply = job('apply');
    const download = apply.steps.find((x) => x.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ name: 'nango-gitops-plan', path: 'reviewed' });
    expect(apply.permissions).toMatchObject({ actions: 'read' });
  });

  it('uses only commands and flags the CLI defines; apply always has --plan-file or --auto-approve (CI has no terminal)', async () => {
    const program = await buildProgram();
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    const invocations = runs.flatMap((r) => [...r.matchAll(/\bnango (\w+)([^\n>|]*)/g)]);
    expect(invocations.length).toBeGreaterThanOrEqual(3);
    for (const [, name, rest] of invocations) {
      const command = program.commands.find((c: Command) => c.name() === name);
      expect(command, name).toBeDefined();
      const flags = (rest ?? '').split(/\s+/).filter((w) => /^--?[a-z]/.test(w));
      for (const flag of flags) expect(command?.options.some((o) => o.long === flag || o.short === flag), `${name} ${flag}`).toBe(true);
      if (name === 'apply') expect(flags.some((f) => f === '--plan-file' || f === '--auto-approve'), rest).toBe(true);
    }
  });

  describe('environments: planned by the action where the key is available, applied after merge', () => {
    const fixture = useEmulator({ keys: [{ secretKey: DEFAULT_SECRET_KEY, environment: 'dev' }, { secretKey: PROD_KEY, environment: 'prod' }] });
    const ENVIRONMENTS = 'dev prod';

    /** The action's step as the runner runs it: INPUT_* from `with:`, the step's env with these secrets (both hosts: the emulator). */
    function runActionStep(cwd: string, secrets: Record<string, string>): Promise<{ code: number | null; stdout: string; outputs: Record<string, string> }> {
      const s = actionStep();
      const runner = mkdtempSync(join(tmpdir(), 'nango-gitops-runner-'));
      const output = join(runner, 'output.txt');
      writeFileSync(output, '');
      const fromSecrets = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, secrets[/secrets\.(\w+)/.exec(v)?.[1] ?? ''] ?? secrets[/vars\.(\w+)/.exec(v)?.[1] ?? ''] ?? '']));
      const inputs = Object.fromEntries(Object.keys(action.inputs).map((name) => [`INPUT_${name.toUpperCase()}`, String(s.with?.[name] ?? (action.inputs[name] as { default?: string }).default ?? '')]));
      const env = { PATH: process.env.PATH ?? '', GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(runner, 'summary.md'), RUNNER_TEMP: runner, ...inputs, 'INPUT_GITHUB-TOKEN': '', ...workflow.env, NANGO_HOST: fixture.emu.url, NANGO_HOST_DEV: fixture.emu.url, ...fromSecrets };
      return new Promise((done, fail) => {
        const child = spawn(process.execPath, [join(ROOT, 'dist', 'action', 'index.js')], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('error', fail);
        child.on('close', (code) => done({ code, stdout, outputs: parseEnv(readFileSync(output, 'utf8')) as Record<string, string> }));
      });
    }

    it('a pull-request run with only dev\'s key plans dev, names prod as skipped; after merge dev is applied from the reviewed plan and prod planned again and applied', async () => {
      const dir = tempConfig({});
      cpSync(join(EXAMPLES, 'environments'), join(dir, 'nango'), { recursive: true });
      const values = parseEnv(readFileSync(join(ROOT, DEMO_ENV), 'utf8')) as Record<string, string>;
      const pr = await runActionStep(dir, { ...values, NANGO_SECRET_KEY_DEV: DEFAULT_SECRET_KEY });
      expect(pr.code, JSON.stringify(pr, null, 1)).toBe(0);
      expect(pr.outputs['exit-code']).toBe('2');
      expect(pr.stdout).toContain('NANGO_SECRET_KEY_PROD is not available to this run');
      expect(fixture.emu.requests.every((q) => q.environment !== 'prod')).toBe(true);
      expect(fixture.emu.writes()).toEqual([]);
      const planFile = pr.outputs['plan-file'] ?? '';
      expect((JSON.parse(readFileSync(planFile, 'utf8')) as { environments: Array<{ name: string }> }).environments.map((e) => e.name)).toEqual(['dev']);

      // The artifact, downloaded to reviewed/; then the Apply step with both keys, the CLI for `npx nango-gitops@…`.
      mkdirSync(join(dir, 'reviewed'));
      cpSync(planFile, join(dir, 'reviewed', 'plan.json'));
      const apply = step(job('apply'), 'Apply').run ?? '';
      const env = { ...values, ...workflow.env, NANGO_HOST: fixture.emu.url, NANGO_HOST_DEV: fixture.emu.url, NANGO_SECRET_KEY_DEV: DEFAULT_SECRET_KEY, NANGO_SECRET_KEY_PROD: PROD_KEY, NANGO_GITOPS_STATE: join(dir, 'state.json') } as Record<string, string>;
      const merged = await runStep(apply, dir, env, `node -- ${CLI}`);
      expect(merged.code, merged.stdout).toBe(0);
      expect(fixture.emu.integrations('dev').map((i) => i.unique_key).sort()).toEqual(['linear', 'posthog', 'slack']);
      expect(fixture.emu.integrations('prod').map((i) => i.unique_key).sort()).toEqual(['posthog', 'slack']);
    });

    it('the Apply step: the reviewed plan first (its own environments, no question), the others with --auto-approve; the worst exit code wins', async () => {
      const apply = step(job('apply'), 'Apply').run ?? '';
      const dir = tempConfig({});
      // A stand-in for the CLI: records each call with its environment selection and answers with a set exit code.
      const stub = join(dir, 'nango-stub');
      writeFileSync(stub, `#!/bin/sh\necho "\${NANGO_GITOPS_ENVIRONMENT-<all>} $*" >> calls.txt\ncase "$*" in *--plan-file*) exit "\${REVIEWED_EXIT:-0}";; *) exit "\${REST_EXIT:-0}";; esac\n`);
      chmodSync(stub, 0o755);
      const calls = (at = dir): string[] => readFileSync(join(at, 'calls.txt'), 'utf8').trim().split('\n');
      const reset = (): void => writeFileSync(join(dir, 'calls.txt'), '');
      const withReviewed = (environments: string[]): void => {
        mkdirSync(join(dir, 'reviewed'), { recursive: true });
        writeFileSync(join(dir, 'reviewed', 'plan.json'), JSON.stringify({ format_version: 2, environments: environments.map((name) => ({ name })) }));
      };

      withReviewed(['dev']);
      reset();
      const partial = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REVIEWED_EXIT: '1', REST_EXIT: '3' }, stub);
      expect(calls()).toEqual(['<all> apply -c nango --plan-file reviewed/plan.json', 'prod apply -c nango --auto-approve']);
      expect(partial.code).toBe(1);
      reset();
      const refused = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REST_EXIT: '3' }, stub);
      expect(calls()).toHaveLength(2);
      expect(refused.code).toBe(3);

      withReviewed(['dev', 'prod']);
      reset();
      const failed = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REVIEWED_EXIT: '1' }, stub);
      expect(calls()).toEqual(['<all> apply -c nango --plan-file reviewed/plan.json']);
      expect(failed.code).toBe(1);

      // No reviewed plan (direct push, manual run): every environment, planned and applied now.
      const fresh = tempConfig({});
      const direct = await runStep(apply, fresh, { ENVIRONMENTS, CONFIG: 'nango' }, stub);
      expect(calls(fresh)).toEqual(['<all> apply -c nango --auto-approve']);
      expect(direct.code).toBe(0);
    });
  });

  describe('the reviewed-plan lookup script', () => {
    const body = script(job('apply'), 'listWorkflowRuns');

    async function lookup(opts: { merged?: boolean; runs?: number[]; artifacts?: number }) {
      const outputs: Record<string, string> = {};
      const notices: string[] = [];
      const rest = {
        repos: {
          listPullRequestsAssociatedWithCommit: async () => ({
            data: opts.merged === false ? [] : [{ number: 7, merged_at: '2025-01-01T00:00:00Z', base: { ref: 'main' }, head: { sha: 'head-sha' } }],
          }),
        },
        actions: {
          getWorkflowRun: async () => ({ data: { workflow_id: 55 } }),
          listWorkflowRuns: async (a: { workflow_id: number; head_sha: string; event: string }) => {
            expect(a).toMatchObject({ workflow_id: 55, head_sha: 'head-sha', event: 'pull_request' });
            return { data: { workflow_runs: (opts.runs ?? []).map((id) => ({ id })) } };
          },
          listWorkflowRunArtifacts: async () => ({ data: { total_count: opts.artifacts ?? 0 } }),
        },
      };
      await runScript(body, {
        github: { rest },
        context: { repo: { owner: 'acme', repo: 'config' }, sha: 'merge-sha', runId: 2 },
        core: { setOutput: (k: string, v: string) => (outputs[k] = v), notice: (m: string) => notices.push(m) },
        require: () => ({}),
      });
      return { outputs, notices };
    }

    it('finds the run that holds the plan of the merged pull request', async () => {
      expect((await lookup({ runs: [901], artifacts: 1 })).outputs).toEqual({ 'run-id': '901', pr: '7' });
    });

    it('falls back to planning again when there is no reviewed plan', async () => {
      for (const opts of [{ merged: false }, { runs: [] }, { runs: [901], artifacts: 0 }]) {
        const { outputs, notices } = await lookup(opts);
        expect(outputs).toEqual({});
        expect(notices.join('')).toContain('planning again');
      }
    });
  });
});

describe('docs', () => {
  it('docs/cli.md names every command, flag and NANGO_GITOPS_* variable of the CLI', async () => {
    const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
    const program = await buildProgram();
    for (const command of program.commands) {
      expect(doc, command.name()).toContain(`## ${command.name()}`);
      for (const option of command.options) {
        expect(doc, `${command.name()} ${option.long}`).toContain(`\`${option.flags}\``);
        if (option.envVar) expect(doc, option.envVar).toContain(option.envVar);
      }
    }
    for (const name of BOOLEAN_FLAG_ENV_VARS) expect(doc, name).toContain(name);
    // And nothing the CLI does not have.
    const known = new Set(program.commands.flatMap((c) => c.options.flatMap((o) => [o.long, o.short])).filter((f): f is string => f !== undefined));
    for (const [flag] of doc.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)) {
      if (flag === '--version' || flag === '--help' || flag === '--build-arg') continue;
      expect(known, flag).toContain(flag);
    }
  });

  it('relative links in the docs and example READMEs point at files that exist', () => {
    const pages = [...readdirSync(join(ROOT, 'docs')).map((f) => join(ROOT, 'docs', f)), join(EXAMPLES, 'kubernetes', 'README.md'), join(ROOT, 'README.md'), join(ROOT, 'CHANGELOG.md')];
    for (const page of pages.filter((p) => p.endsWith('.md'))) {
      for (const [, target] of readFileSync(page, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue;
        expect(existsSync(join(page, '..', target)), `${relative(ROOT, page)} -> ${target}`).toBe(true);
      }
    }
  });
});

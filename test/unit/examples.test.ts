// config-examples/ is what users copy: every config in it must validate, and the GitHub Actions workflow
// must only use flags the CLI has, pinned actions, and scripts that do what they claim.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { BOOLEAN_FLAG_ENV_VARS } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { MARKDOWN_MARKER } from '../../src/render/markdown.js';
import { DEFAULT_SECRET_KEY } from '../emulator/server.js';
import { CLI, ROOT, runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const EXAMPLES = join(ROOT, 'config-examples');
const DEMO_ENV = 'config-examples/demo.env';
const WORKFLOW_FILE = join(EXAMPLES, 'github-actions', 'nango-gitops.yml');

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

/** A step's `run:` as GitHub runs it (bash -eo pipefail), in `cwd`, with `env` only; `npx nango-gitops` becomes `nango`. */
function runStep(body: string, cwd: string, env: Record<string, string>, nango: string): Promise<{ code: number | null; stdout: string; outputs: Record<string, string> }> {
  const file = join(cwd, '.step.sh');
  writeFileSync(file, body.replaceAll('npx nango-gitops', nango));
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
  it('parses, and runs on pull requests and on pushes to main', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect((workflow.on['push'] as { branches: string[] }).branches).toEqual(['main']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs)).toEqual(['validate', 'plan', 'apply']);
  });

  it('pins every action to a full commit SHA', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThan(5);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('validates without secrets, and never tests secrets in an if:', () => {
    const validate = job('validate');
    expect(JSON.stringify(validate)).not.toContain('secrets.');
    expect(validate.steps.map((s) => s.run ?? '').join('\n')).toMatch(/nango-gitops validate .*--allow-missing-env.*--format github/);
    const ifs = Object.values(workflow.jobs).flatMap((j) => [j.if, ...j.steps.map((s) => s.if)]).filter((c): c is string => c !== undefined);
    for (const condition of ifs) expect(condition).not.toContain('secrets.');
    // The plan job learns which environments' keys exist through its env; its first step decides, the others follow.
    const plan = job('plan');
    for (const name of ['NANGO_SECRET_KEY_DEV', 'NANGO_SECRET_KEY_PROD']) expect(plan.env?.[name]).toBe(`\${{ secrets.${name} }}`);
    expect(workflow.env?.['ENVIRONMENTS']).toBe('dev prod');
    expect(plan.steps[0]?.id).toBe('environments');
    for (const s of plan.steps.slice(1)) expect(s.if ?? '', s.name ?? s.uses ?? s.run).toContain("steps.environments.outputs.plan == 'true'");
  });

  it('plans as markdown into the step summary, keeps plan.json, and applies it after merge', () => {
    const plan = job('plan');
    const planRun = plan.steps.find((s) => s.id === 'plan')?.run ?? '';
    expect(planRun).toMatch(/nango-gitops plan .*--format markdown.*--out plan\.json/);
    expect(planRun).toContain('$GITHUB_STEP_SUMMARY');
    const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ name: 'nango-gitops-plan' });
    expect(String(upload?.with?.['path']).split('\n').filter(Boolean)).toEqual(['plan.json', 'environments.txt']);
    expect(plan.permissions).toMatchObject({ 'pull-requests': 'write' });

    const apply = job('apply');
    expect(apply.if).toContain("github.event_name == 'push'");
    const download = apply.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with).toMatchObject({ name: 'nango-gitops-plan', path: 'reviewed' });
    expect(apply.steps.map((s) => s.run ?? '').join('\n')).toContain('apply -c "$CONFIG" --plan-file reviewed/plan.json');
    expect(apply.permissions).toMatchObject({ actions: 'read' });
  });

  it('uses only commands and flags the CLI defines', async () => {
    const program = await buildProgram();
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    const invocations = runs.flatMap((r) => [...r.matchAll(/npx nango-gitops (\w+)([^\n>|]*)/g)]);
    expect(invocations.length).toBeGreaterThanOrEqual(4);
    for (const [, name, rest] of invocations) {
      const command = program.commands.find((c: Command) => c.name() === name);
      expect(command, name).toBeDefined();
      const flags = (rest ?? '').split(/\s+/).filter((w) => /^--?[a-z]/.test(w));
      for (const flag of flags) expect(command?.options.some((o) => o.long === flag || o.short === flag), `${name} ${flag}`).toBe(true);
    }
  });

  describe('environments: which are planned, which are skipped and why, and how they are applied', () => {
    const fixture = useEmulator();
    const ENVIRONMENTS = 'dev prod';
    const choose = step(job('plan'), 'environments').run ?? '';

    it('plans the environments whose key the job has and names the others with the missing variable', async () => {
      const dir = tempConfig({});
      const both = await runStep(choose, dir, { ENVIRONMENTS, NANGO_SECRET_KEY_DEV: 'k1', NANGO_SECRET_KEY_PROD: 'k2' }, 'false');
      expect(both.outputs).toEqual({ plan: 'true', selected: 'dev,prod', skipped: '' });
      const dev = await runStep(choose, dir, { ENVIRONMENTS, NANGO_SECRET_KEY_DEV: 'k1', NANGO_SECRET_KEY_PROD: '' }, 'false');
      expect(dev.outputs).toEqual({ plan: 'true', selected: 'dev', skipped: 'prod (NANGO_SECRET_KEY_PROD is not available to this run)' });
      expect(dev.stdout).toContain('::notice::Not planned: prod');
      const fork = await runStep(choose, dir, { ENVIRONMENTS }, 'false');
      expect(fork.outputs).toEqual({ plan: 'false', selected: '', skipped: 'dev (NANGO_SECRET_KEY_DEV is not available to this run); prod (NANGO_SECRET_KEY_PROD is not available to this run)' });
      expect(fork.stdout).toContain('so no plan; validate still ran');
      // A config without environments: NANGO_SECRET_KEY decides, as before.
      const single = await runStep(choose, dir, { ENVIRONMENTS: '', NANGO_SECRET_KEY: 'k' }, 'false');
      expect(single.outputs).toEqual({ plan: 'true', selected: '', skipped: '' });
    });

    it('the Plan step writes one comment body with the marker, the plan, and the skipped environments', async () => {
      const dir = tempConfig({});
      cpSync(join(EXAMPLES, 'environments'), join(dir, 'nango'), { recursive: true });
      const planStep = step(job('plan'), 'plan');
      expect(planStep.env).toEqual({ SELECTED: '${{ steps.environments.outputs.selected }}', SKIPPED: '${{ steps.environments.outputs.skipped }}' });
      const env = {
        ...parseEnv(readFileSync(join(ROOT, DEMO_ENV), 'utf8')),
        CONFIG: 'nango',
        NANGO_SECRET_KEY_DEV: DEFAULT_SECRET_KEY,
        NANGO_HOST_DEV: fixture.emu.url,
        SELECTED: 'dev',
        SKIPPED: 'prod (NANGO_SECRET_KEY_PROD is not available to this run)',
      } as Record<string, string>;
      const r = await runStep(planStep.run ?? '', dir, env, `node -- ${CLI}`);
      expect(r.code).toBe(0);
      const body = readFileSync(join(dir, 'plan.md'), 'utf8');
      expect(body.startsWith(MARKDOWN_MARKER)).toBe(true);
      expect(body).toContain('#### Not planned\n\nprod (NANGO_SECRET_KEY_PROD is not available to this run): this job cannot read its secret key');
      expect(readFileSync(join(dir, '.summary.md'), 'utf8')).toBe(body);
      expect(readFileSync(join(dir, 'environments.txt'), 'utf8')).toBe('dev\n');
      const planHasEnvironment = (await buildProgram('plan')).commands.find((c) => c.name() === 'plan')?.options.some((o) => o.long === '--environment') === true;
      if (planHasEnvironment) {
        // dev has nothing yet: its integrations are to be created; prod is not read at all.
        expect(r.outputs['exit-code']).toBe('2');
        expect(body).toContain('Environment dev');
        expect(body).not.toContain('Environment prod');
      } else {
        // Until plan selects environments, the config's environments make it fail, and the body says so.
        expect(r.outputs['exit-code']).toBe('1');
        expect(body).toContain('The plan failed (exit 1): see the job log.');
      }
      expect(fixture.emu.requests.every((q) => q.environment !== 'prod')).toBe(true);
      expect(fixture.emu.writes()).toEqual([]);
    });

    it('after merge, applies the reviewed plan to the environments it covers and plans the others again', async () => {
      const apply = step(job('apply'), 'Apply').run ?? '';
      const dir = tempConfig({});
      // A stand-in for the CLI: records each call with its environment selection and answers with a set exit code.
      const stub = join(dir, 'nango-stub');
      writeFileSync(stub, `#!/bin/sh\necho "\${NANGO_GITOPS_ENVIRONMENT-<all>} $*" >> calls.txt\ncase "$*" in *--plan-file*) exit "\${REVIEWED_EXIT:-0}";; *) exit "\${REST_EXIT:-0}";; esac\n`);
      chmodSync(stub, 0o755);
      const calls = (): string[] => readFileSync(join(dir, 'calls.txt'), 'utf8').trim().split('\n');
      const reset = (): void => writeFileSync(join(dir, 'calls.txt'), '');

      const withReviewed = (environments: string): void => {
        mkdirSync(join(dir, 'reviewed'), { recursive: true });
        writeFileSync(join(dir, 'reviewed', 'plan.json'), '{}');
        writeFileSync(join(dir, 'reviewed', 'environments.txt'), `${environments}\n`);
      };

      withReviewed('dev');
      reset();
      // One failing does not stop the other; the job reports the worst: 1 over 3.
      const partial = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REVIEWED_EXIT: '1', REST_EXIT: '3' }, stub);
      expect(calls()).toEqual(['dev apply -c nango --plan-file reviewed/plan.json', 'prod apply -c nango']);
      expect(partial.code).toBe(1);
      reset();
      const refused = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REST_EXIT: '3' }, stub);
      expect(calls()).toHaveLength(2);
      expect(refused.code).toBe(3);

      withReviewed('dev,prod');
      reset();
      const failed = await runStep(apply, dir, { ENVIRONMENTS, CONFIG: 'nango', REVIEWED_EXIT: '1' }, stub);
      expect(calls()).toEqual(['dev,prod apply -c nango --plan-file reviewed/plan.json']);
      expect(failed.code).toBe(1);

      // No reviewed plan (direct push, manual run): every environment, planned and applied now.
      const fresh = tempConfig({});
      const direct = await runStep(apply, fresh, { ENVIRONMENTS, CONFIG: 'nango' }, stub);
      expect(readFileSync(join(fresh, 'calls.txt'), 'utf8')).toBe('<all> apply -c nango\n');
      expect(direct.code).toBe(0);
    });
  });

  describe('the PR comment script', () => {
    const body = script(job('plan'), 'createComment');

    function fakeGitHub(comments: Array<{ id: number; user: { type: string }; body: string }>) {
      const calls: string[] = [];
      let next = 100;
      const rest = {
        issues: {
          listComments: 'listComments',
          updateComment: async (a: { comment_id: number; body: string }) => {
            calls.push(`update ${a.comment_id}`);
            const c = comments.find((x) => x.id === a.comment_id);
            if (c) c.body = a.body;
          },
          createComment: async (a: { body: string }) => {
            calls.push('create');
            comments.push({ id: next++, user: { type: 'Bot' }, body: a.body });
          },
        },
      };
      const github = { rest, paginate: async (fn: unknown) => (fn === 'listComments' ? [...comments] : []) };
      return { github, calls };
    }

    const run = (github: unknown, plan: string) =>
      runScript(body, {
        github,
        context: {
          repo: { owner: 'acme', repo: 'config' },
          issue: { number: 7 },
          runId: 1,
          serverUrl: 'https://github.com',
          payload: { pull_request: { head: { sha: 'abcdef0123456789' } } },
        },
        core: {},
        require: (name: string) => {
          if (name !== 'node:fs') throw new Error(name);
          return { readFileSync: () => plan };
        },
      });

    it('creates one comment, then updates it on every push; a user quoting the marker is left alone', async () => {
      const comments = [{ id: 1, user: { type: 'User' }, body: `look: ${MARKDOWN_MARKER}` }];
      const { github, calls } = fakeGitHub(comments);
      await run(github, `${MARKDOWN_MARKER}\n### nango-gitops plan\n\nfirst\n`);
      await run(github, `${MARKDOWN_MARKER}\n### nango-gitops plan\n\nsecond\n`);
      expect(calls).toEqual(['create', 'update 100']);
      expect(comments).toHaveLength(2);
      expect(comments[1]?.body).toContain('second');
      expect(comments[1]?.body).toContain('Plan for abcdef0');
      expect(comments[0]?.body).toBe(`look: ${MARKDOWN_MARKER}`);
    });

    it('keeps the marker and stays under GitHub\'s size limit', async () => {
      const comments: Array<{ id: number; user: { type: string }; body: string }> = [];
      const { github } = fakeGitHub(comments);
      await run(github, `failed\n${'x'.repeat(70_000)}`);
      expect(comments[0]?.body.startsWith(MARKDOWN_MARKER)).toBe(true);
      expect(comments[0]?.body.length).toBeLessThanOrEqual(65_536);
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

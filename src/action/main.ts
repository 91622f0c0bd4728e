// The GitHub Action's entry point (action.yml). `validate`: offline checks, problems annotated on the
// diff. `plan`: validate first, then plan every environment whose key this run has, then the job
// summary, one pull-request comment kept up to date, and the step outputs. The step fails on an invalid
// config, a failed plan (exit 1) or a refused one (exit 3), after the comment is written.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runCli, type CliRun } from './cli.js';
import { commentBody, upsertComment } from './comment.js';
import { readRunContext, type RunContext } from './event.js';
import { createGithubApi, type GithubApi } from './github-api.js';
import { InputError, readInputs, type ActionInputs, type Env } from './inputs.js';
import { planReport, validateReport } from './report.js';
import { annotate, appendSummary, logInert, setOutput } from './runner.js';
import { planTargets } from './targets.js';

interface Outcome {
  exitCode: number;
  hasChanges: boolean;
  planFile?: string;
}

/** validate's stdout under `--format github`: annotations (for the runner) and the verdict, both its own. */
function logCli(run: CliRun, annotations: boolean): void {
  if (annotations) process.stdout.write(run.stdout);
  else logInert(run.stdout);
  logInert(run.stderr);
}

/** Any change in the plan file: one plan, or one per environment (issue 10's multi-environment document). */
function planHasChanges(file: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  const changed = (p: unknown): boolean => Array.isArray((p as { changes?: unknown } | null)?.changes) && ((p as { changes: unknown[] }).changes.length > 0);
  const environments = (doc as { environments?: unknown } | null)?.environments;
  return changed(doc) || (Array.isArray(environments) && environments.some(changed));
}

function footer(context: RunContext, command: string): string {
  const sha = context.pullRequest?.headSha ? ` of \`${context.pullRequest.headSha.slice(0, 7)}\`` : '';
  const run = context.runUrl ? ` · [workflow run](${context.runUrl})` : '';
  return `<sub>nango-gitops ${command}${sha}${run}</sub>`;
}

async function comment(inputs: ActionInputs, context: RunContext, env: Env, report: string): Promise<void> {
  const pr = context.pullRequest;
  if (!inputs.comment || !pr) return;
  if (inputs.token === '') {
    annotate('warning', 'input github-token is empty: no pull-request comment (the plan is in the job summary)');
    return;
  }
  let api: GithubApi | undefined;
  try {
    api = createGithubApi({ apiUrl: env['GITHUB_API_URL'] || 'https://api.github.com', token: inputs.token, repository: context.repository, env });
    const body = commentBody(report, footer(context, 'plan'), context.runUrl);
    const done = await upsertComment(api, pr.number, body);
    process.stdout.write(`nango-gitops: ${done.action} comment ${done.id} on pull request #${pr.number}\n`);
  } catch (err) {
    // A read-only token (pull requests from forks) or a GitHub outage: the summary still has the plan,
    // and the check's result does not depend on the comment.
    const hint = pr.fromFork ? ' (runs for pull requests from forks get a read-only token)' : '; the job needs `permissions: pull-requests: write`';
    annotate('warning', `could not write the pull-request comment${hint}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    api?.close();
  }
}

async function runValidate(inputs: ActionInputs, env: Env, common: string[]): Promise<CliRun> {
  // --allow-missing-env: no secret is needed to check the files (pull requests from forks have none).
  const run = await runCli(['validate', ...common, '--allow-missing-env', '--format', 'github'], inputs.workingDirectory, env);
  logCli(run, true);
  return run;
}

async function runPlan(inputs: ActionInputs, env: Env, context: RunContext): Promise<Outcome> {
  const common = inputs.config.flatMap((c) => ['-c', c]);
  const validate = await runValidate(inputs, env, common);
  const fromFork = context.pullRequest?.fromFork === true;
  if (validate.code !== 0) {
    const report = planReport({ format: inputs.format, validate, skipped: [], fromFork });
    appendSummary(env, report);
    await comment(inputs, context, env, report);
    return { exitCode: validate.code, hasChanges: false };
  }

  const targets = await planTargets({ config: inputs.config, environments: inputs.environments, cwd: inputs.workingDirectory, env });
  for (const s of targets.skipped) {
    annotate('notice', `${s.variable} is not available to this run${s.name === undefined ? '' : `: environment ${s.name} is not planned`}`);
  }
  if (targets.none) {
    const report = planReport({ format: inputs.format, validate, skipped: targets.skipped, fromFork });
    appendSummary(env, report);
    await comment(inputs, context, env, report);
    return { exitCode: validate.code, hasChanges: false };
  }

  const planFile = inputs.out !== '' ? resolve(inputs.workingDirectory, inputs.out) : join(env['RUNNER_TEMP'] || tmpdir(), `nango-gitops-${env['GITHUB_RUN_ID'] ?? process.pid}`, 'plan.json');
  mkdirSync(dirname(planFile), { recursive: true });
  // Written by this plan or not at all: a stale file must not be uploaded or read for has-changes.
  rmSync(planFile, { force: true });
  const args = ['plan', ...common, ...targets.plan.flatMap((e) => ['--environment', e]), '--format', inputs.format, '--out', planFile, '--detailed-exitcode'];
  const plan = await runCli(args, inputs.workingDirectory, env);
  logCli(plan, false);
  const report = planReport({ format: inputs.format, validate, plan, skipped: targets.skipped, fromFork });
  appendSummary(env, report);
  await comment(inputs, context, env, report);
  const written = existsSync(planFile);
  return { exitCode: plan.code, hasChanges: plan.code === 2 || (written && planHasChanges(planFile)), ...(written ? { planFile } : {}) };
}

async function main(): Promise<number> {
  const env = process.env;
  let inputs: ActionInputs;
  try {
    inputs = readInputs(env, process.cwd());
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    annotate('error', err.message);
    setOutput(env, 'exit-code', '1');
    return 1;
  }
  const context = readRunContext(env);

  let outcome: Outcome;
  if (inputs.command === 'validate') {
    const run = await runValidate(inputs, env, inputs.config.flatMap((c) => ['-c', c]));
    appendSummary(env, validateReport(run));
    outcome = { exitCode: run.code, hasChanges: false };
  } else {
    outcome = await runPlan(inputs, env, context);
  }

  setOutput(env, 'exit-code', String(outcome.exitCode));
  setOutput(env, 'has-changes', String(outcome.hasChanges));
  setOutput(env, 'refused', String(outcome.exitCode === 3));
  if (outcome.planFile !== undefined) setOutput(env, 'plan-file', outcome.planFile);

  // 0: no changes, 2: changes to review: both pass. 1 (error) and 3 (refused) fail the step.
  if (outcome.exitCode === 0 || outcome.exitCode === 2) return 0;
  annotate('error', `nango-gitops ${inputs.command} exited ${outcome.exitCode}${outcome.exitCode === 3 ? ' (refused by a safety rule)' : ''}: see the job summary`);
  return 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  // A bug in the action itself: the message only (no input value, no token, is part of it).
  annotate('error', `nango-gitops action: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

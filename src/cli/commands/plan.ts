import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { applyPlan } from '../../apply/apply.js';
import { shapeProblem } from '../../json-shape.js';
import { planDigest, isBlocked } from '../../plan/plan.js';
import { PLAN_SHAPE } from '../../plan/shape.js';
import type { Plan } from '../../plan/types.js';
import { planRun, type PlanOutcome } from '../../reconcile/plan-run.js';
import { renderPlanJson } from '../../render/json.js';
import { renderPlanText } from '../../render/text.js';
import { EXIT, UserError, type ExitCode } from '../exit-codes.js';
import { addRemoteOptions, loadOptions, policyFlags, resolveFormat, type Format, type RemoteOptions } from '../options.js';
import { renderPlan, reportDiagnostics } from '../output.js';
import { connectRemote, createRuntime } from '../runtime.js';

interface PlanOptions extends RemoteOptions {
  out?: string;
  plan?: boolean;
  planFile?: string;
}

type Runner = (action: () => Promise<ExitCode>) => Promise<void>;

export function registerPlan(program: Command, run: Runner): void {
  addRemoteOptions(program.command('plan'))
    .description('dry run: show what apply would change')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when none')
    .option('--out <file>', 'also write the plan as JSON (no secret values) for apply --plan-file')
    .action((opts: PlanOptions) => run(() => planCommand(opts)));
}

export function registerApply(program: Command, run: Runner): void {
  addRemoteOptions(program.command('apply'))
    .description('reconcile once: make Nango match the config')
    .option('--plan', 'dry run: same output and exit codes as the plan command')
    .option('--detailed-exitcode', 'with --plan: exit 2 when there are changes, 0 when none')
    .option('--out <file>', 'with --plan: also write the plan as JSON')
    .option('--plan-file <file>', 'apply only if the plan is still exactly this reviewed one (from plan --out)')
    .action((opts: PlanOptions) => run(() => (opts.plan ? planCommand(opts) : applyCommand(opts))));
}

async function computePlan(opts: PlanOptions): Promise<{ outcome: PlanOutcome; format: Format; remote: Awaited<ReturnType<typeof connectRemote>> }> {
  const format = resolveFormat(opts);
  const { redactor, log } = createRuntime(opts);
  const remote = await connectRemote(opts, redactor, log);
  const outcome = await planRun(loadOptions(opts), policyFlags(opts), opts.concurrency, { ...remote, redactor });
  reportDiagnostics(outcome.diagnostics, format);
  return { outcome, format, remote };
}

async function planCommand(opts: PlanOptions): Promise<ExitCode> {
  const { outcome, format } = await computePlan(opts);
  if (outcome.status === 'invalid') return EXIT.error;
  const { plan } = outcome;
  if (opts.out) await writeFile(opts.out, renderPlanJson(plan));
  process.stdout.write(renderPlan(plan, format, false));
  if (isBlocked(plan)) return EXIT.refused;
  return opts.detailedExitcode && plan.changes.length > 0 ? EXIT.changes : EXIT.ok;
}

async function applyCommand(opts: PlanOptions): Promise<ExitCode> {
  const reviewed = opts.planFile ? await readReviewedPlan(opts.planFile) : undefined;
  const { outcome, format, remote } = await computePlan(opts);
  if (outcome.status === 'invalid') return EXIT.error;
  const { plan, desired } = outcome;
  if (reviewed && reviewed.digest !== plan.digest) {
    process.stdout.write(renderPlan(plan, format, false));
    process.stderr.write(
      `error: the plan differs from the reviewed one in ${opts.planFile} (live state or config changed since review); nothing applied. Review the plan above and run plan --out again.\n`,
    );
    return EXIT.refused;
  }
  if (isBlocked(plan)) {
    process.stdout.write(renderPlan(plan, format, false));
    process.stderr.write('error: the plan was refused by a safety rule (see "blocked" above); nothing applied.\n');
    return EXIT.refused;
  }
  if (format === 'text' || format === 'github') process.stdout.write(renderPlanText(plan));
  if (plan.changes.length === 0) {
    if (format === 'json' || format === 'markdown') process.stdout.write(renderPlan(plan, format, true));
    return EXIT.ok;
  }
  const result = await applyPlan(plan, { client: remote.client, desired, concurrency: opts.concurrency, fingerprints: remote.fingerprints, fingerprint: remote.fingerprint });
  if (format === 'text' || format === 'github') process.stdout.write('\n');
  process.stdout.write(renderPlan(result, format, true));
  return result.changes.some((c) => c.result !== 'applied') ? EXIT.error : EXIT.ok;
}

async function readReviewedPlan(file: string): Promise<Plan> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read the reviewed plan (${err instanceof SyntaxError ? 'not JSON' : ((err as NodeJS.ErrnoException).code ?? 'error')})`);
  }
  const problem = shapeProblem(PLAN_SHAPE, value);
  if (problem !== undefined) throw new UserError(`${file}: not a nango-gitops plan (format_version 1): ${problem}`);
  const parsed = value as Plan;
  if (planDigest(parsed) !== parsed.digest) {
    throw new UserError(`${file}: the plan's digest does not match its content (edited after review?)`, EXIT.refused);
  }
  return parsed;
}

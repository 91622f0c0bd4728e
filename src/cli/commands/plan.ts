import type { Command } from 'commander';
import { combineEnvironmentDiagnostics, hasErrors, loadConfig, resolveEnvironment, selectEnvironments, type LoadedConfig, type Selection } from '../../config/index.js';
import { escapeControls } from '../../escape.js';
import { isBlocked } from '../../plan/plan.js';
import type { Plan } from '../../plan/types.js';
import { applyEnvironment, planEnvironment } from '../../reconcile/run-environment.js';
import type { Redactor } from '../../redact.js';
import { errorReport, outcomeErrorReport } from '../../render/json-error.js';
import { renderPlanText } from '../../render/text.js';
import type { ColorMode, Paint } from '../../render/color.js';
import { colorOption, stdoutPainter } from '../color-option.js';
import { checkJsonApproval, describeTargets, requireApproval } from '../approve.js';
import { EXIT, UserError, type ExitCode } from '../exit-codes.js';
import { addEnvironmentOption, addRemoteOptions, addTargetOption, environmentOrigin, loadOptions, policyFlags, resolveFormat, targetOrigin, type Format, type RemoteOptions } from '../options.js';
import { renderPlan, reportConfigErrors, reportDiagnostics, reportErrorJson, writeOut } from '../output.js';
import { readReviewedPlan, renderPlanFile, type ReviewedPlan } from '../plan-file.js';
import { adoptRecordedFlags, checkPlanFileVersion, planFileMetadata } from '../plan-metadata.js';
import { reportPartialPlan, unmatchedTargetsError, type TargetContext } from '../targets.js';
import type { CliLog } from '../cli-log.js';
import { connectRemote, createCliRuntime } from '../runtime.js';
import { runEnvironments } from './plan-environments.js';
import { writeStdout, writeStderr } from '../stdio.js';

export interface PlanOptions extends RemoteOptions {
  out?: string;
  plan?: boolean;
  planFile?: string;
  color?: ColorMode;
  autoApprove?: boolean;
}

type Runner = (action: () => Promise<ExitCode>) => Promise<void>;

const ENVIRONMENT_HELP = 'work on this environment of the environments: block, repeatable (default: every declared one)';

export function registerPlan(program: Command, run: Runner): void {
  addTargetOption(addEnvironmentOption(addRemoteOptions(program.command('plan')), ENVIRONMENT_HELP))
    .description('dry run: show what apply would change')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when none')
    .option('--out <file>', 'also write the plan as JSON (no secret values) for apply --plan-file')
    .addOption(colorOption())
    .action((opts: PlanOptions, cmd: Command) => run(() => reconcileCommand(opts, cmd, 'plan')));
}

export function registerApply(program: Command, run: Runner): void {
  addTargetOption(addEnvironmentOption(addRemoteOptions(program.command('apply')), ENVIRONMENT_HELP))
    .description('reconcile once: make Nango match the config')
    .option('--plan', 'dry run: same output and exit codes as the plan command')
    .option('--detailed-exitcode', 'with --plan: exit 2 when there are changes, 0 when none')
    .option('--out <file>', 'with --plan: also write the plan as JSON')
    .option('--plan-file <file>', 'apply only if the plan is still exactly this reviewed one (from plan --out)')
    .addOption(colorOption())
    .option('--auto-approve', "apply without asking for 'yes' (needed where stdin is not a terminal; --plan-file is approval enough)")
    .action((opts: PlanOptions, cmd: Command) => run(() => reconcileCommand(opts, cmd, opts.plan ? 'plan' : 'apply')));
}

/** What every run of plan or apply sets up before it knows how many environments it works on. */
export interface RunContext {
  opts: PlanOptions;
  format: Format;
  redactor: Redactor;
  log: CliLog;
  config: LoadedConfig;
  /** Colours plan text on stdout (or not: pipes, NO_COLOR, --color never). */
  paint: Paint;
  target: TargetContext;
}

async function reconcileCommand(opts: PlanOptions, cmd: Command, mode: 'plan' | 'apply'): Promise<ExitCode> {
  // A reviewed plan of the wrong shape is refused before anything else is read.
  const reviewed = mode === 'apply' && opts.planFile ? await readReviewedPlan(opts.planFile) : undefined;
  const target: TargetContext = { targets: [], origin: targetOrigin(cmd) };
  if (reviewed?.metadata !== undefined && opts.planFile !== undefined) {
    checkPlanFileVersion(reviewed.metadata, opts.planFile);
    adoptRecordedFlags(opts, reviewed.metadata.flags, opts.planFile);
    if (reviewed.metadata.flags.target.length > 0) target.recordedIn = opts.planFile;
  }
  target.targets = opts.target ?? [];
  const format = resolveFormat(opts);
  if (mode === 'apply') checkJsonApproval(format, opts);
  const { redactor, log } = await createCliRuntime(opts);
  const config = await loadConfig(loadOptions(opts));
  const context: RunContext = { opts, format, redactor, log, config, paint: stdoutPainter(opts.color), target };

  const requested = { names: opts.environment ?? [], origin: environmentOrigin(cmd) };
  if (config.sources.block && hasErrors(config.diagnostics)) {
    // Problems every environment shares (a file, the environments block): nothing to run anywhere.
    reportConfigErrors(combineEnvironmentDiagnostics(config, []), format);
    return EXIT.error;
  }
  const selection =
    reviewed?.kind === 'environments' && requested.names.length === 0 && config.sources.block
      ? recordedSelection(config, reviewed.environments.map((e) => e.name), opts.planFile ?? '')
      : selectEnvironments(config, requested.names, requested.origin);
  if (selection.diagnostics.length > 0) {
    reportConfigErrors([...combineEnvironmentDiagnostics(config, []), ...selection.diagnostics], format);
    return EXIT.error;
  }
  const names = selection.names.filter((n): n is string => n !== undefined);
  if (names.length === 0) return runSingle(context, mode, reviewedSingle(reviewed, opts.planFile), reviewed?.metadata?.host);
  return runEnvironments(context, names, mode, reviewedEnvironments(reviewed, opts.planFile, names));
}

/** Applying a reviewed plan without --environment: the environments it records, each still declared. */
function recordedSelection(config: LoadedConfig, recorded: readonly string[], file: string): Selection {
  const declared = config.environments?.map((e) => e.name) ?? [];
  const unknown = recorded.filter((n) => !declared.includes(n));
  if (unknown.length > 0) {
    throw new UserError(`${file}: the reviewed plan is for environment${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}, which this config does not declare (declared: ${declared.join(', ')}): run plan --out again`, EXIT.error, 'plan_file');
  }
  return selectEnvironments(config, recorded, 'flag');
}

function reviewedSingle(reviewed: ReviewedPlan | undefined, file: string | undefined): Plan | undefined {
  if (reviewed === undefined) return undefined;
  if (reviewed.kind === 'single') return reviewed.plan;
  const names = reviewed.environments.map((e) => e.name).join(', ');
  throw new UserError(`${file ?? ''}: a plan of environments ${names}, but this config declares no environments: run plan --out again with this config`, EXIT.error, 'plan_file');
}

function reviewedEnvironments(reviewed: ReviewedPlan | undefined, file: string | undefined, selected: readonly string[]) {
  if (reviewed === undefined) return undefined;
  if (reviewed.kind === 'single') {
    throw new UserError(`${file ?? ''}: a plan for a config without environments, but this config declares environments: run plan --out again with this config`, EXIT.error, 'plan_file');
  }
  const recorded = reviewed.environments.map((e) => e.name);
  if (recorded.length !== selected.length || recorded.some((n) => !selected.includes(n))) {
    throw new UserError(
      `${file ?? ''}: the reviewed plan is for environments ${recorded.join(', ')}, but this run selects ${selected.join(', ')}: select the same environments (--environment), or run plan --out again`,
      EXIT.error,
      'plan_file',
    );
  }
  return { file: file ?? '', environments: reviewed.environments };
}

/** A config without an environments block: one environment (NANGO_SECRET_KEY on NANGO_HOST), output as it always was. */
async function runSingle({ opts, format, redactor, log, config, paint, target }: RunContext, mode: 'plan' | 'apply', reviewed: Plan | undefined, reviewedHost: string | undefined): Promise<ExitCode> {
  const remote = await connectRemote(opts, redactor, log);
  if (reviewedHost !== undefined && reviewedHost !== remote.host) {
    // Another Nango (NANGO_HOST changed since review): its plan may even have the same digest.
    throw new UserError(`${opts.planFile ?? ''}: the reviewed plan was made against ${reviewedHost}, this run is against ${remote.host}; nothing applied`, EXIT.refused);
  }
  const resolved = await resolveEnvironment(config, undefined);
  const planned = await planEnvironment({ resolved, connect: () => remote, flags: policyFlags(opts), concurrency: opts.concurrency, redactor });
  if (planned.status === 'failed') {
    writeStderr(`error: ${escapeControls(planned.error ?? 'failed')}\n`);
    reportErrorJson(outcomeErrorReport(planned), format);
    return EXIT.error;
  }
  reportDiagnostics(planned.diagnostics, format);
  const { plan } = planned;
  if (!plan) {
    reportErrorJson(outcomeErrorReport(planned), format);
    return EXIT.error;
  }
  const unmatched = unmatchedTargetsError(target, [planned]);
  if (unmatched) throw unmatched;
  reportPartialPlan(target, format === 'github');

  if (mode === 'plan') {
    if (opts.out) await writeOut(opts.out, renderPlanFile(plan, planFileMetadata(opts, planned.host)));
    writeStdout(renderPlan(plan, format, false, { paint, host: planned.host, error: outcomeErrorReport(planned) }));
    if (isBlocked(plan)) return EXIT.refused;
    return opts.detailedExitcode && plan.changes.length > 0 ? EXIT.changes : EXIT.ok;
  }

  if (reviewed && reviewed.digest !== plan.digest) {
    const differs = `the plan differs from the reviewed one in ${opts.planFile} (live state or config changed since review); nothing applied`;
    writeStdout(renderPlan(plan, format, false, { paint, host: planned.host, error: errorReport('refused', differs) }));
    writeStderr(`error: ${differs}. Review the plan above and run plan --out again.\n`);
    return EXIT.refused;
  }
  if (isBlocked(plan)) {
    writeStdout(renderPlan(plan, format, false, { paint, host: planned.host, error: outcomeErrorReport(planned) }));
    writeStderr('error: the plan was refused by a safety rule (see "blocked" above); nothing applied.\n');
    return EXIT.refused;
  }
  if (format === 'text' || format === 'github') writeStdout(renderPlanText(plan, paint));
  if (plan.changes.length === 0) {
    if (format === 'json' || format === 'markdown') writeStdout(renderPlan(plan, format, true, { paint, host: planned.host }));
    return EXIT.ok;
  }
  if (!reviewed && opts.autoApprove !== true) {
    // The question comes after the plan it is about (text and github printed theirs above).
    if (format === 'markdown') writeStdout(renderPlan(plan, format, false, { paint, host: planned.host }));
    await requireApproval(describeTargets([{ environment: undefined, host: planned.host }]));
  }
  const applied = await applyEnvironment(planned, { concurrency: opts.concurrency });
  const result = applied.plan ?? plan;
  if (format === 'text' || format === 'github') writeStdout('\n');
  writeStdout(renderPlan(result, format, true, { paint, host: planned.host, error: outcomeErrorReport(applied) }));
  return applied.status === 'applied' ? EXIT.ok : EXIT.error;
}

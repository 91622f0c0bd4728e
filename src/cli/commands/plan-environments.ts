// plan and apply for a config with an environments block: each selected environment runs on its own
// (one after the other, so the output keeps its order and environments on one host share the rate
// limit simply); a failure in one is reported in its section and the others go on. Output: a section
// per environment and a last line saying what became of each; the exit code combines them.
import { combineEnvironmentDiagnostics } from '../../config/index.js';
import type { Diagnostic, EnvironmentResult } from '../../config/types.js';
import { escapeControls } from '../../escape.js';
import type { Remote, Remotes } from '../../reconcile/remotes.js';
import { resolveEnvironments, secretKeyVariable } from '../../reconcile/resolve-environments.js';
import { applyEnvironment, planEnvironment, type EnvironmentOutcome } from '../../reconcile/run-environment.js';
import { renderEnvironmentsApplied } from '../../render/environments-applied.js';
import { renderEnvironmentsMarkdown, renderEnvironmentsText, type RunMode } from '../../render/environments.js';
import { environmentsDocument, renderEnvironmentsJson } from '../../render/json.js';
import { environmentsErrorReport } from '../../render/json-error.js';
import { describeTargets, requireApproval } from '../approve.js';
import { combinedExitCode, type ExitCode } from '../exit-codes.js';
import { policyFlags } from '../options.js';
import { reportDiagnostics, writeOut } from '../output.js';
import { renderPlanFile, type ReviewedEnvironment } from '../plan-file.js';
import { planFileMetadata, type ShapingOptions } from '../plan-metadata.js';
import { reportPartialPlan, unmatchedTargetsError } from '../targets.js';
import { openCliRemotes } from '../runtime.js';
import type { RunContext } from './plan.js';
import { writeStdout, writeStderr } from '../stdio.js';

export interface Reviewed {
  file: string;
  environments: ReviewedEnvironment[];
}

export async function runEnvironments(context: RunContext, names: readonly string[], mode: RunMode, reviewed: Reviewed | undefined): Promise<ExitCode> {
  const { opts, format, redactor, log, config } = context;
  const remotes = await openCliRemotes(opts, redactor, log);
  // Every selected environment's secrets are known to the redactor before the first request.
  const results = await resolveEnvironments(config, names, redactor);
  const input = (resolved: EnvironmentResult) => ({
    resolved,
    connect: () => openRemote(remotes, resolved, secretKeyVariable(config, resolved.environment ?? '')),
    flags: policyFlags(opts),
    concurrency: opts.concurrency,
    redactor,
  });

  let outcomes: EnvironmentOutcome[] = [];
  for (const resolved of results) outcomes.push(await planEnvironment(input(resolved)));
  // Every environment is planned before any is applied: one question covers all that will change, and a
  // target that matches nothing anywhere is a typo, refused before the first write.
  const unmatched = unmatchedTargetsError(context.target, outcomes);
  if (unmatched) throw unmatched;
  let asked = false;
  const report = (): readonly Diagnostic[] => {
    const diagnostics = combineEnvironmentDiagnostics(config, outcomes);
    reportDiagnostics(diagnostics, format);
    reportPartialPlan(context.target, format === 'github');
    return diagnostics;
  };
  if (mode === 'apply' && reviewed) outcomes = await applyReviewed(outcomes, reviewed, opts.concurrency);
  else if (mode === 'apply') {
    const pending = outcomes.filter((o) => o.status === 'planned' && (o.plan?.changes.length ?? 0) > 0);
    if (pending.length > 0 && opts.autoApprove !== true) {
      writeStdout(render(outcomes, format, 'plan', context.paint, report()));
      asked = true;
      await requireApproval(describeTargets(pending));
    }
    outcomes = await applyEach(outcomes, opts.concurrency);
  }

  const diagnostics = asked ? combineEnvironmentDiagnostics(config, outcomes) : report();
  if (mode === 'plan' && opts.out) await writePlanFile(opts.out, outcomes, opts);
  // After the question the plan is on screen already: text shows only what the apply did.
  writeStdout(
    asked && (format === 'text' || format === 'github') ? renderEnvironmentsApplied(outcomes, context.paint) : render(outcomes, format, mode, context.paint, diagnostics),
  );
  for (const o of outcomes) {
    // Invalid environments' diagnostics are above; a refusal is an error only when something was to be applied.
    if (o.status === 'failed' || (o.status === 'refused' && mode === 'apply')) {
      writeStderr(`error: environment ${o.environment ?? ''}: ${escapeControls(o.error ?? o.status)}\n`);
    }
  }
  return combinedExitCode(outcomes, mode === 'plan' && opts.detailedExitcode === true);
}

function openRemote(remotes: Remotes, resolved: EnvironmentResult, variable: string | undefined): Remote {
  const host = resolved.state?.host ?? resolved.host;
  // resolveEnvironment gives a state only with a host and (asked for) a key: this is a bug if it happens.
  if (host === undefined || resolved.secretKey === undefined) throw new Error(`internal error: environment ${resolved.environment ?? ''} has no host or secret key`);
  return remotes.open({
    ...(resolved.environment !== undefined ? { environment: resolved.environment } : {}),
    host,
    secretKey: resolved.secretKey,
    ...(variable !== undefined ? { secretKeyVariable: variable } : {}),
  });
}

function render(outcomes: readonly EnvironmentOutcome[], format: RunContext['format'], mode: RunMode, paint: RunContext['paint'], diagnostics: readonly Diagnostic[]): string {
  switch (format) {
    case 'json':
      return renderEnvironmentsJson(outcomes, environmentsErrorReport(outcomes, diagnostics));
    case 'markdown':
      return renderEnvironmentsMarkdown(outcomes, mode);
    case 'github':
      return renderEnvironmentsText(outcomes, mode, true, paint);
    case 'text':
      return renderEnvironmentsText(outcomes, mode, false, paint);
  }
}

/** A plan file holds every selected environment's plan: with one missing it could not be applied whole. */
async function writePlanFile(file: string, outcomes: readonly EnvironmentOutcome[], opts: ShapingOptions): Promise<void> {
  const missing = outcomes.filter((o) => !o.plan).map((o) => o.environment ?? '');
  if (missing.length > 0) {
    writeStderr(`error: ${escapeControls(file)} not written: no plan for environment${missing.length === 1 ? '' : 's'} ${missing.join(', ')}\n`);
    return;
  }
  await writeOut(file, renderPlanFile(environmentsDocument(outcomes), planFileMetadata(opts)));
}

async function applyEach(outcomes: readonly EnvironmentOutcome[], concurrency: number): Promise<EnvironmentOutcome[]> {
  const applied: EnvironmentOutcome[] = [];
  for (const o of outcomes) applied.push(await applyEnvironment(o, { concurrency }));
  return applied;
}

/**
 * `apply --plan-file` with several environments: a reviewed plan is applied whole or not at all. Every
 * recorded environment is planned again first; if one differs from its reviewed plan (or could not be
 * planned, so cannot be checked), nothing is applied anywhere. A safety rule still refuses per environment.
 */
async function applyReviewed(outcomes: EnvironmentOutcome[], reviewed: Reviewed, concurrency: number): Promise<EnvironmentOutcome[]> {
  const recorded = new Map(reviewed.environments.map((e) => [e.name, e]));
  const drift = (o: EnvironmentOutcome): string | undefined => {
    const was = recorded.get(o.environment ?? '');
    if (!was || !o.plan) return undefined;
    if (was.host !== o.host) return `its host changed since review (${was.host} then, ${o.host ?? 'none'} now); nothing applied`;
    if (was.digest !== o.plan.digest) return `the plan differs from the reviewed one in ${reviewed.file} (live state or config changed since review); nothing applied`;
    return undefined;
  };
  const drifted = outcomes.filter((o) => drift(o) !== undefined).map((o) => o.environment ?? '');
  const unchecked = outcomes.filter((o) => !o.plan).map((o) => o.environment ?? '');
  if (drifted.length === 0 && unchecked.length === 0) {
    const applied: EnvironmentOutcome[] = [];
    for (const o of outcomes) applied.push(await applyEnvironment(o, { concurrency, reviewedDigest: recorded.get(o.environment ?? '')?.digest ?? '' }));
    return applied;
  }
  const why =
    drifted.length > 0
      ? `${list(drifted)} differ${drifted.length === 1 ? 's' : ''} from the reviewed plan`
      : `${list(unchecked)} could not be checked against the reviewed plan`;
  return outcomes.map((o): EnvironmentOutcome => {
    if (!o.plan) return o;
    const own = drift(o);
    const error = own ?? `${why}, and a reviewed plan is applied in all its environments or in none; nothing applied`;
    return { ...o, status: 'refused', stage: 'review', error };
  });
}

function list(names: readonly string[]): string {
  return `environment${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}

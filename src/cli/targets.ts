// What plan and apply say about `--target` besides the plan itself: a typo guard before any write, and
// Terraform's warning that a targeted plan is partial.
import { escapeControls, quoteKey } from '../escape.js';
import { renderAnnotationGithub } from '../render/github.js';
import { UserError } from './exit-codes.js';
import { writeStdout, writeStderr } from './stdio.js';

/** Where the targets came from, for messages: `--target`, `NANGO_GITOPS_TARGET`, or the plan file. */
export interface TargetContext {
  targets: readonly string[];
  origin: string;
  /** The plan file the targets were recorded in (`apply --plan-file`). */
  recordedIn?: string;
}

function named(context: TargetContext, targets: readonly string[]): string {
  return `${context.origin} ${targets.map(quoteKey).join(', ')}${context.recordedIn !== undefined ? ` (recorded in ${context.recordedIn})` : ''}`;
}

/**
 * A target that matches no key in any environment that was planned (config or Nango) is almost surely a
 * typo: refused before anything is written. An environment it matches nothing in is simply left alone.
 */
export function unmatchedTargetsError(context: TargetContext, outcomes: ReadonlyArray<{ environment?: string | undefined; unmatchedTargets?: string[] }>): UserError | undefined {
  const planned = outcomes.filter((o) => o.unmatchedTargets !== undefined);
  if (context.targets.length === 0 || planned.length === 0) return undefined;
  const unmatched = context.targets.filter((t) => planned.every((o) => o.unmatchedTargets?.includes(t)));
  if (unmatched.length === 0) return undefined;
  const names = planned.map((o) => o.environment).filter((n): n is string => n !== undefined);
  const where = names.length === 0 ? '' : `, in environment${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  return new UserError(
    `${named(context, unmatched)} match${unmatched.length === 1 ? 'es' : ''} no integration in the config or in Nango${where} (typo? globs: * and ?); nothing planned or applied`,
  );
}

/** On stderr; under --format github also an annotation, so the pull request shows that the plan is partial. */
export function reportPartialPlan(context: TargetContext, github: boolean): void {
  if (context.targets.length === 0) return;
  const message = `targeting is in effect (${named(context, context.targets)}): the plan is partial, integrations outside it are not planned; run without --target to converge`;
  writeStderr(`warning: ${escapeControls(message)}\n`);
  if (github) writeStdout(renderAnnotationGithub('warning', 'partial plan (--target)', message));
}

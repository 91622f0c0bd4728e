// Reading a reviewed plan back (`apply --plan-file`): one environment's plan (format_version 1), or the
// document of several environments (format_version 2). Checked for its exact shape and for each
// recorded digest before any request.
import { readFileSync } from 'node:fs';
import { shapeProblem } from '../json-shape.js';
import { isBlocked, planDigest } from '../plan/plan.js';
import { ENVIRONMENTS_PLAN_SHAPE, PLAN_SHAPE } from '../plan/shape.js';
import type { EnvironmentsDocument, Plan, PlanFileMetadata } from '../plan/types.js';
import { EXIT, UserError } from './exit-codes.js';

/** What apply compares a new plan with, per environment. */
export interface ReviewedEnvironment {
  name: string;
  host: string;
  digest: string;
}

/** `metadata`: absent in plan files written before it was recorded (their flags must be given again, as then). */
export type ReviewedPlan = ({ kind: 'single'; plan: Plan } | { kind: 'environments'; environments: ReviewedEnvironment[] }) & { metadata?: PlanFileMetadata };

/** A plan file: the plan (or the environments document) with the metadata first, so `head` shows it. */
export function renderPlanFile(document: Plan | EnvironmentsDocument, metadata: PlanFileMetadata): string {
  const { format_version, ...rest } = document;
  // The environments document carries its own `refused`; a single plan's is derived as in --format json.
  const refused = document.format_version === 1 ? { refused: isBlocked(document) } : {};
  return `${JSON.stringify({ format_version, metadata, ...refused, ...rest }, null, 2)}\n`;
}

export async function readReviewedPlan(file: string): Promise<ReviewedPlan> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read the reviewed plan (${err instanceof SyntaxError ? 'not JSON' : ((err as NodeJS.ErrnoException).code ?? 'error')})`, EXIT.error, 'plan_file');
  }
  const several = typeof value === 'object' && value !== null && (value as { format_version?: unknown }).format_version === 2;
  const problem = shapeProblem(several ? ENVIRONMENTS_PLAN_SHAPE : PLAN_SHAPE, value);
  if (problem !== undefined) throw new UserError(`${file}: not a nango-gitops plan (format_version ${several ? 2 : 1}): ${problem}`, EXIT.error, 'plan_file');
  const edited = (): UserError => new UserError(`${file}: the plan's digest does not match its content (edited after review?)`, EXIT.refused);
  const { metadata, ...rest } = value as (Plan | EnvironmentsDocument) & { metadata?: PlanFileMetadata };
  const recorded = metadata !== undefined ? { metadata } : {};
  if (!several) {
    const plan = rest as Plan;
    if (planDigest(plan) !== plan.digest) throw edited();
    return { kind: 'single', plan, ...recorded };
  }
  const document = rest as EnvironmentsDocument;
  const environments: ReviewedEnvironment[] = [];
  for (const entry of document.environments) {
    if (entry.changes === undefined || entry.unmanaged === undefined || entry.digest === undefined || entry.host === undefined) throw edited(); // the shape requires them
    if (planDigest({ changes: entry.changes, unmanaged: entry.unmanaged }) !== entry.digest) throw edited();
    if (environments.some((e) => e.name === entry.name)) throw new UserError(`${file}: environment ${entry.name} is recorded twice (edited after review?)`, EXIT.error, 'plan_file');
    environments.push({ name: entry.name, host: entry.host, digest: entry.digest });
  }
  if (environments.length === 0) throw new UserError(`${file}: the plan records no environment`, EXIT.error, 'plan_file');
  return { kind: 'environments', environments, ...recorded };
}

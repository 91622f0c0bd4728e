import pLimit from 'p-limit';
import type { DesiredIntegration, DesiredState } from '../config/types.js';
import { isDuplicateKeyError } from '../nango/errors.js';
import type { NangoClient } from '../nango/types.js';
import { managedValues } from '../plan/fields.js';
import type { Fingerprinter } from '../plan/fingerprint.js';
import type { Action, Change, Plan } from '../plan/types.js';
import type { FingerprintStore } from '../state/fingerprints.js';
import { updateExisting } from './existing.js';
import { createBody, patchBody } from './requests.js';

export interface ApplyContext {
  client: NangoClient;
  desired: DesiredState;
  concurrency: number;
  fingerprints: FingerprintStore;
  fingerprint: Fingerprinter;
  /** Called after each change settles (daemon logs one line per change). */
  onResult?: (change: Change) => void;
}

/**
 * Nango-side ordering: renames free their old keys before deletes and creates run; deletes (including
 * the delete half of replaces) free keys before creates; updates last. Within a phase changes are
 * independent, so one failure does not stop the others.
 */
const PHASES: ReadonlyArray<readonly Action[]> = [['rename'], ['delete', 'replace'], ['create', 'replace'], ['update']];

/** Executes the plan as given; the caller has already refused blocked plans. Mutates results into the plan. */
export async function applyPlan(plan: Plan, ctx: ApplyContext): Promise<Plan> {
  const wanted = new Map(ctx.desired.integrations.map((i) => [i.unique_key, i]));
  const limit = pLimit(ctx.concurrency);
  const deleted = new Set<Change>();

  for (const [index, actions] of PHASES.entries()) {
    const phaseChanges = plan.changes.filter((c) => actions.includes(c.action));
    await Promise.all(
      phaseChanges.map((change) =>
        limit(async () => {
          const step = stepFor(change, index);
          if (change.action === 'replace' && step === 'create' && !deleted.has(change)) return;
          try {
            await runStep(step, change, wanted.get(change.unique_key), ctx);
            if (step === 'delete' && change.action === 'replace') {
              deleted.add(change);
              return;
            }
            change.result = 'applied';
          } catch (err) {
            change.result = 'failed';
            change.error = err instanceof Error ? err.message : String(err);
          }
          ctx.onResult?.(change);
        }),
      ),
    );
  }
  for (const change of plan.changes) {
    if (change.result === undefined) {
      change.result = 'skipped';
      change.error ??= 'not attempted: an earlier step of this change failed';
    }
  }
  await ctx.fingerprints.save();
  return plan;
}

type Step = 'rename' | 'delete' | 'create' | 'update';

function stepFor(change: Change, phase: number): Step {
  if (change.action === 'replace') return phase === 1 ? 'delete' : 'create';
  return change.action;
}

async function runStep(step: Step, change: Change, want: DesiredIntegration | undefined, ctx: ApplyContext): Promise<void> {
  if (step === 'delete') {
    await ctx.client.deleteIntegration(change.unique_key);
    ctx.fingerprints.forget(change.unique_key);
    return;
  }
  if (!want) throw new Error(`no declared integration "${change.unique_key}" (internal error)`);
  if (step === 'create') {
    try {
      await ctx.client.createIntegration(createBody(want));
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await updateExisting(want, ctx);
    }
    recordFingerprints(want, ctx, () => true);
    return;
  }
  const from = step === 'rename' ? (change.from_unique_key ?? change.unique_key) : change.unique_key;
  const body = patchBody(want, change);
  await ctx.client.updateIntegration(from, body, { provider: change.provider });
  const sent = (path: string): boolean =>
    (path.startsWith('credentials.') && body.credentials !== undefined) ||
    (path.startsWith('integration_config.') && body.integration_config !== undefined);
  if (step === 'rename') {
    // Fingerprints are keyed by unique_key: carry over those that still match what is declared.
    const carried = (path: string, value: unknown): boolean =>
      sent(path) || ctx.fingerprints.get(from, path) === ctx.fingerprint(from, path, value);
    recordFingerprints(want, ctx, carried);
    ctx.fingerprints.forget(from);
  } else {
    recordFingerprints(want, ctx, sent);
  }
}

function recordFingerprints(want: DesiredIntegration, ctx: ApplyContext, include: (path: string, value: unknown) => boolean): void {
  const entries: Record<string, string> = {};
  for (const [path, value] of managedValues(want)) {
    if (!path.startsWith('credentials.') && !path.startsWith('integration_config.')) continue;
    if (include(path, value)) entries[path] = ctx.fingerprint(want.unique_key, path, value);
  }
  ctx.fingerprints.record(want.unique_key, entries);
}

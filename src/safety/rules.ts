import { CONNECTIONS_LIMIT } from '../plan/connections.js';
import { firstMatch, owned } from '../plan/glob.js';
import type { Change, Plan } from '../plan/types.js';
import { block } from './block.js';
import { lookAlikeRule, protectRenameRule } from './keys.js';

export interface SafetyPolicy {
  allowReplace: boolean;
  allowDeleteConnections: boolean;
  /** Deletes plus replaces allowed in one plan. */
  maxDeletes: number;
  allowEmpty: boolean;
  protect: readonly string[];
  /** When non-empty, only matching keys may be deleted, replaced or renamed (settings.owns, --owns). */
  owns?: readonly string[];
}

export interface SafetyContext {
  /** Integrations the config declares; 0 with a prune usually means an empty or unmounted config directory. */
  declared: number;
}

/** A rule looks at the whole plan and marks the changes it refuses. */
export type SafetyRule = (plan: Plan, policy: SafetyPolicy, ctx: SafetyContext) => void;

const destroys = (c: Change): boolean => c.action === 'delete' || c.action === 'replace';

export function formatConnections(count: number | 'unknown' | undefined): string {
  if (count === undefined) return 'no connections checked';
  if (count === 'unknown') return 'an unknown number of connections';
  const n = count.toLocaleString('en-US');
  const plus = count >= CONNECTIONS_LIMIT ? '+' : '';
  return `${n}${plus} connection${count === 1 ? '' : 's'}`;
}

export const protectRule: SafetyRule = (plan, policy) => {
  for (const c of plan.changes) {
    const glob = c.action === 'replace' ? firstMatch(c.unique_key, policy.protect) : undefined;
    if (glob !== undefined) {
      block(c, `"${c.unique_key}" is protected (protect: "${glob}"): it is never replaced; change the provider back, or remove it from protect`);
    }
  }
};

/**
 * Keys outside `owns` belong to someone else (another repository sharing the environment): the diff
 * never plans their deletion (they stay unmanaged), and this refuses replacing or renaming them.
 */
export const ownsRule: SafetyRule = (plan, policy) => {
  const owns = policy.owns ?? [];
  if (owns.length === 0) return;
  const list = owns.map((g) => `"${g}"`).join(', ');
  for (const c of plan.changes) {
    if (c.action === 'replace' && !owned(c.unique_key, owns)) {
      block(c, `"${c.unique_key}" is not owned by this config (owns: ${list}): it is never replaced; change the provider back, or add it to owns`);
    } else if (c.action === 'rename' && !owned(c.from_unique_key ?? '', owns)) {
      block(c, `"${c.from_unique_key ?? '?'}" is not owned by this config (owns: ${list}): it is never renamed; drop renamed_from, or add it to owns`);
    }
  }
};

export const replaceRule: SafetyRule = (plan, policy) => {
  if (policy.allowReplace) return;
  for (const c of plan.changes) {
    if (c.action === 'replace') {
      block(c, `provider change ${c.from_provider ?? '?'} → ${c.provider} deletes and re-creates the integration (${formatConnections(c.connections)} lost): pass --allow-replace to allow it, or use a new unique_key`);
    }
  }
};

export const connectionsRule: SafetyRule = (plan, policy) => {
  if (policy.allowDeleteConnections) return;
  for (const c of plan.changes) {
    if (!destroys(c) || c.connections === 0) continue;
    const what = c.connections === 'unknown' ? 'its connections could not be counted' : `it has ${formatConnections(c.connections)}`;
    block(c, `${what}, which the ${c.action} would destroy: pass --allow-delete-connections if every end user may re-authorise`);
  }
};

export const renameConnectionsRule: SafetyRule = (plan) => {
  for (const c of plan.changes) {
    if (c.action !== 'rename' || c.connections === 0) continue;
    const what = c.connections === 'unknown' ? 'its connections could not be counted' : `it has ${formatConnections(c.connections)}`;
    block(c, `Nango refuses to rename "${c.from_unique_key ?? '?'}": ${what}; keep unique_key "${c.from_unique_key ?? '?'}" (and drop renamed_from)`);
  }
};

export const emptyConfigRule: SafetyRule = (plan, policy, ctx) => {
  if (policy.allowEmpty || ctx.declared > 0) return;
  for (const c of plan.changes) {
    if (c.action === 'delete') {
      block(c, 'the config declares no integration (empty or unmounted config directory?), so this prune would delete every remote integration: pass --allow-empty if that is intended');
    }
  }
};

export const maxDeletesRule: SafetyRule = (plan, policy) => {
  const destructive = plan.changes.filter(destroys);
  if (destructive.length <= policy.maxDeletes) return;
  for (const c of destructive) {
    block(c, `the plan deletes or replaces ${destructive.length} integrations, more than --max-deletes ${policy.maxDeletes}: raise --max-deletes (or settings.max_deletes) after checking the list`);
  }
};

/** Order matters only for the order of reasons shown. */
export const SAFETY_RULES: readonly SafetyRule[] = [
  protectRule,
  protectRenameRule,
  ownsRule,
  lookAlikeRule,
  emptyConfigRule,
  replaceRule,
  connectionsRule,
  renameConnectionsRule,
  maxDeletesRule,
];

export function applySafetyRules(plan: Plan, policy: SafetyPolicy, ctx: SafetyContext): Plan {
  for (const rule of SAFETY_RULES) rule(plan, policy, ctx);
  return plan;
}

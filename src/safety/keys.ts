// Rules about keys themselves: a key that only looks like another one, and renames that remove a
// protected key. Kept apart from rules.ts so each stays a small function over the whole plan.
import { quoteKey } from '../escape.js';
import { firstMatch } from '../plan/glob.js';
import type { Change } from '../plan/types.js';
import { block } from './block.js';
import type { SafetyRule } from './rules.js';

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * What a reviewer sees: compatibility forms unified (NFKC: fullwidth letters, ligatures), invisible
 * characters dropped, case folded (upper then lower, so "ß" meets "SS"), runs of spaces collapsed and
 * both ends trimmed. Two keys with the same form read as the same key.
 */
export function lookAlikeForm(key: string): string {
  return key.normalize('NFKC').replace(IGNORABLE, '').toUpperCase().toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ').trim();
}

/**
 * A create whose key reads like a key the plan deletes is almost always a typo ("slack-prod " for
 * "slack-prod") that would delete the real integration and its connections. A rename declared with
 * renamed_from is a rename change, never such a pair.
 */
export const lookAlikeRule: SafetyRule = (plan) => {
  const deletes = new Map<string, Change[]>();
  for (const c of plan.changes) {
    if (c.action !== 'delete') continue;
    const form = lookAlikeForm(c.unique_key);
    deletes.set(form, [...(deletes.get(form) ?? []), c]);
  }
  if (deletes.size === 0) return;
  for (const c of plan.changes) {
    if (c.action !== 'create') continue;
    for (const d of deletes.get(lookAlikeForm(c.unique_key)) ?? []) {
      const reason =
        `create ${quoteKey(c.unique_key)} and delete ${quoteKey(d.unique_key)} differ only in case, spaces or Unicode form ` +
        '(probably a typo that would delete the real integration): write the remote key exactly, or rename it with renamed_from; ' +
        'to replace it on purpose, delete it and create the new key in two applies';
      block(c, reason);
      block(d, reason);
    }
  }
};

/** Renaming a protected key removes it just as a delete would. */
export const protectRenameRule: SafetyRule = (plan, policy) => {
  for (const c of plan.changes) {
    if (c.action !== 'rename' || c.from_unique_key === undefined) continue;
    const glob = firstMatch(c.from_unique_key, policy.protect);
    if (glob !== undefined) {
      block(c, `${quoteKey(c.from_unique_key)} is protected (protect: ${quoteKey(glob)}): a rename removes it like a delete; drop renamed_from, or remove it from protect`);
    }
  }
};

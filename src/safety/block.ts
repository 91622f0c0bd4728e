import type { Change } from '../plan/types.js';

/** Marks a change refused; a second rule adds its reason after the first. */
export function block(change: Change, reason: string): void {
  change.blocked = change.blocked === undefined ? reason : `${change.blocked}; ${reason}`;
}

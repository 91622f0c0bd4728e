// With --target, the keys left out of the plan: a count and the first few keys (a targeted plan of one
// integration in an environment of thousands must stay readable); JSON lists them all.
import { showKey } from '../escape.js';
import type { Plan } from '../plan/types.js';

const SHOWN = 10;

/** `Skipped (outside --target): 12: a, b, … and 2 more`, or undefined without --target. */
export function skippedLine(plan: Plan, show: (key: string) => string = showKey): string | undefined {
  const keys = plan.skipped;
  if (keys === undefined) return undefined;
  if (keys.length === 0) return 'Skipped (outside --target): none.';
  const more = keys.length > SHOWN ? `, and ${keys.length - SHOWN} more` : '';
  return `Skipped (outside --target): ${keys.length}: ${keys.slice(0, SHOWN).map(show).join(', ')}${more}.`;
}

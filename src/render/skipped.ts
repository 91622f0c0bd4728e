// With --target, the keys left out of the plan: a count and the first few keys (a targeted plan of one
// integration in an environment of thousands must stay readable); JSON lists them all.
import { showKey } from '../escape.js';
import type { Plan } from '../plan/types.js';

const SHOWN = 10;

/**
 * `Skipped (outside --target): 12: a, b, … and 2 more`, or undefined without --target. `show` formats
 * each key and `flag` the flag's name (markdown puts both in code spans).
 */
export function skippedLine(plan: Plan, show: (key: string) => string = showKey, flag = '--target'): string | undefined {
  const keys = plan.skipped;
  if (keys === undefined) return undefined;
  const head = `Skipped (outside ${flag}):`;
  if (keys.length === 0) return `${head} none.`;
  const more = keys.length > SHOWN ? `, and ${keys.length - SHOWN} more` : '';
  return `${head} ${keys.length}: ${keys.slice(0, SHOWN).map(show).join(', ')}${more}.`;
}

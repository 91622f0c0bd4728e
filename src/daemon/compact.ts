// After a reconcile that parsed the config or read many answers, the heap holds that work's garbage (parse
// trees, response bodies) until V8 next has a reason to collect, and an idle daemon gives it none: its RSS
// stays at the peak for hours. One full collection once the daemon has been quiet for a moment returns it.
// Steady-state reconciles (one request, the kept config) never ask for one: it would cost more than they do.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const QUIET_MS = 1_000;

let collect: (() => void) | undefined;
let timer: NodeJS.Timeout | undefined;

function collector(): (() => void) | undefined {
  if (collect) return collect;
  try {
    // The documented way to reach V8's collector without starting node with --expose-gc.
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') collect = gc as () => void;
  } catch {
    // A runtime without it: memory is then V8's business, as before.
  }
  return collect;
}

/** Collects garbage once the daemon has been quiet for a moment (a later call postpones it). */
export function compactWhenQuiet(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    collector()?.();
  }, QUIET_MS);
  // Never what keeps the process alive.
  timer.unref();
}

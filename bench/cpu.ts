// In-process CPU cost of the diff stage: desired × live for 10,000 integrations.
import { performance } from 'node:perf_hooks';

import { diffIntegrations, type DiffResult } from '../src/plan/diff.js';
import { median, type Reporter } from './figures.js';
import { diffContext, diffWorkload, type DiffWorkload } from './model.js';

const N = 10_000;
const BOUND_MS = 100;
const WARM_RUNS = 15;

function check(result: DiffResult, w: DiffWorkload): void {
  const count = (action: string): number => result.changes.filter((c) => c.action === action).length;
  const got = { create: count('create'), update: count('update'), delete: count('delete'), unchanged: result.unchanged };
  if (JSON.stringify(got) !== JSON.stringify(w.expected)) {
    throw new Error(`diff of ${N}: expected ${JSON.stringify(w.expected)}, got ${JSON.stringify(got)}`);
  }
}

export async function benchCpu(report: Reporter): Promise<void> {
  const w = diffWorkload(N);
  const policy = { prune: true, protect: ['keep-*'] };
  const time = (): number => {
    const ctx = diffContext();
    const started = performance.now();
    const result = diffIntegrations(w.desired, w.live, policy, ctx);
    const ms = performance.now() - started;
    check(result, w);
    return ms;
  };
  // The CLI diffs once per process, so its call is a first, not yet optimised one: shown, not gated, since
  // on a busy machine it is mostly V8 warming up and collecting (see docs/benchmarks.md).
  const first = time();
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push(time());
  report.note(`diff of ${N}: ${w.expected.update} updates, ${w.expected.create} creates, ${w.expected.delete} prunes, ${w.expected.unchanged} unchanged; credentials readable`);
  report.record({ benchmark: 'cpu', name: `cpu: diffIntegrations, N=${N}, first call in the process (cold JIT)`, value: first, unit: 'ms', bound: BOUND_MS });
  report.record({ benchmark: 'cpu', name: `cpu: diffIntegrations, N=${N}, median of ${WARM_RUNS} warm calls`, value: median(warm), unit: 'ms', bound: BOUND_MS, maxRatio: 1 });
  await Promise.resolve();
}

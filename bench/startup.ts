// Start-up: validate of the bundled examples against a bare `node -e 0` on the same machine.
import type { Reporter } from './figures.js';
import { CLI, expectExit, medianMs, runNode } from './process.js';

const RUNS = 10;
const MAX_RATIO = 3;

/** Median spawn → exit of an empty Node process: the floor every CLI run pays. */
export async function nodeStartMs(runs = RUNS): Promise<number> {
  return (await medianMs(runs, () => runNode(['-e', '0']))).median;
}

export async function benchStartup(report: Reporter): Promise<void> {
  const bare = await medianMs(RUNS, () => runNode(['-e', '0']));
  const node = bare.median;
  const validate = await medianMs(RUNS, async () =>
    expectExit(await runNode(['--', CLI, 'validate', '-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env']), 0, 'validate of the examples'),
  );
  report.note(`validate runs ${validate.all.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  report.record({ benchmark: 'startup', name: `startup: node -e 0 (median of ${RUNS})`, value: node, unit: 'ms' });
  report.record({
    benchmark: 'startup',
    name: `startup: validate -c config-examples/nango --env-file config-examples/demo.env (median of ${RUNS}) vs node -e 0`,
    value: validate.median,
    unit: 'ms',
    bound: node,
    maxRatio: MAX_RATIO,
  });
  // CPU time barely depends on what else the machine runs; wall time does (see the load line of the run).
  if (validate.cpuMedian !== undefined && bare.cpuMedian !== undefined) {
    report.record({ benchmark: 'startup', name: 'startup: same, CPU time (user + sys) vs that of node -e 0', value: validate.cpuMedian, unit: 'ms', bound: bare.cpuMedian });
  }
}

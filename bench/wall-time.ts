// Wall time of a cold plan of N = 1,000 at 20 ms emulated latency, against the round-trip bound
// latency × (1 + ceil(N / concurrency)): one list, then the detail reads in waves of `concurrency`.
import { startEmulator } from '../test/emulator/server.js';
import type { Reporter } from './figures.js';
import { CLI, expectExit, medianMs, remoteEnv, runNode } from './process.js';
import { nodeStartMs } from './startup.js';
import { seedEmulator, writeWorkload } from './workload.js';

const N = 1000;
const LATENCY_MS = 20;
const CONCURRENCY = 8;
const RUNS = 3;
const MAX_RATIO = 1.2;

export async function benchWallTime(report: Reporter): Promise<void> {
  const bound = LATENCY_MS * (1 + Math.ceil(N / CONCURRENCY));
  const emu = await startEmulator({ latencyMs: LATENCY_MS });
  const w = writeWorkload(N);
  try {
    const args = [CLI, 'plan', '-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile, '--concurrency', String(CONCURRENCY)];
    const plan = await medianMs(RUNS, async () => {
      // A fresh environment and rate-limit window each run, so no run pays for the one before.
      emu.reset();
      seedEmulator(emu, N, false);
      const result = expectExit(await runNode(args, remoteEnv(emu.url)), 0, `cold plan N=${N}`);
      if (emu.requests.length !== 1 + N) throw new Error(`cold plan N=${N}: ${emu.requests.length} requests, expected ${1 + N}`);
      return result;
    });
    const node = await nodeStartMs(5);
    const scenario = `cold plan N=${N}, ${LATENCY_MS} ms latency, --concurrency ${CONCURRENCY}`;
    report.note(`${scenario}: runs ${plan.all.map((ms) => ms.toFixed(0)).join(', ')} ms; node -e 0 ${node.toFixed(0)} ms`);
    report.record({ benchmark: 'wall', name: `wall: ${scenario}, spawn → exit (median of ${RUNS})`, value: plan.median, unit: 'ms', bound, maxRatio: MAX_RATIO });
    report.record({ benchmark: 'wall', name: `wall: same, less Node start-up (node -e 0)`, value: plan.median - node, unit: 'ms', bound, maxRatio: MAX_RATIO });
    if (plan.cpuMedian !== undefined) {
      report.record({ benchmark: 'wall', name: 'wall: CPU time (user + sys, all threads) of that plan process', value: plan.cpuMedian, unit: 'ms' });
    }
  } finally {
    w.remove();
    await emu.close();
  }
}

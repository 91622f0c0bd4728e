// Wall time of a cold plan of N = 1,000 at 20 ms emulated latency, against the round-trip bound
// latency × (1 + ceil(N / concurrency)): one list, then the detail reads in waves of `concurrency`.
import { startEmulator, type Emulator } from '../test/emulator/server.js';
import { runBareClient } from './bare-client.js';
import { median, type Reporter } from './figures.js';
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
    const phases: Phases[] = [];
    const plan = await medianMs(RUNS, async () => {
      // A fresh environment and rate-limit window each run, so no run pays for the one before.
      emu.reset();
      seedEmulator(emu, N, false);
      const spawnedAt = Date.now();
      const result = expectExit(await runNode(args, remoteEnv(emu.url)), 0, `cold plan N=${N}`);
      if (emu.requests.length !== 1 + N) throw new Error(`cold plan N=${N}: ${emu.requests.length} requests, expected ${1 + N}`);
      phases.push(phasesOf(emu, spawnedAt, result.ms));
      return result;
    });
    // The same requests from a client that does nothing else: the floor on this machine.
    const bare = await medianMs(RUNS, async () => {
      emu.reset();
      seedEmulator(emu, N, false);
      const result = expectExit(await runBareClient(emu.url, CONCURRENCY), 0, 'bare node:http client');
      if (emu.requests.length !== 1 + N) throw new Error(`bare client: ${emu.requests.length} requests, expected ${1 + N}`);
      return result;
    });
    const node = await nodeStartMs(5);
    const scenario = `cold plan N=${N}, ${LATENCY_MS} ms latency, --concurrency ${CONCURRENCY}`;
    report.note(`${scenario}: runs ${plan.all.map((ms) => ms.toFixed(0)).join(', ')} ms; node -e 0 ${node.toFixed(0)} ms`);
    // Medians of the measured runs (the warm-up run is the first one recorded).
    const measured = phases.slice(-RUNS);
    const med = (pick: (p: Phases) => number): string => median(measured.map(pick)).toFixed(0);
    report.note(
      `where the time goes (medians, emulator clock): spawn → list request ${med((p) => p.beforeList)} ms, ` +
        `list → first detail read ${med((p) => p.list)} ms, detail reads ${med((p) => p.details)} ms ` +
        `(${Math.ceil(N / CONCURRENCY)} rounds of ${LATENCY_MS} ms = ${Math.ceil(N / CONCURRENCY) * LATENCY_MS} ms), last read → exit ${med((p) => p.after)} ms`,
    );
    report.note(`a bare node:http client sending the same ${1 + N} requests (no config, no checks): runs ${bare.all.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    report.record({ benchmark: 'wall', name: `wall: ${scenario}, spawn → exit (median of ${RUNS})`, value: plan.median, unit: 'ms', bound, maxRatio: MAX_RATIO });
    report.record({ benchmark: 'wall', name: `wall: same, less Node start-up (node -e 0)`, value: plan.median - node, unit: 'ms', bound, maxRatio: MAX_RATIO });
    report.record({ benchmark: 'wall', name: `wall: a bare node:http client, same requests, spawn → exit (median of ${RUNS})`, value: bare.median, unit: 'ms', bound });
    if (plan.cpuMedian !== undefined) {
      report.record({ benchmark: 'wall', name: 'wall: CPU time (user + sys, all threads) of that plan process', value: plan.cpuMedian, unit: 'ms' });
    }
  } finally {
    w.remove();
    await emu.close();
  }
}

interface Phases {
  beforeList: number;
  list: number;
  details: number;
  after: number;
}

/** From the emulator's arrival times (ms, its clock; recorded in the order answered): list, first and last detail read. */
function phasesOf(emu: Emulator, spawnedAt: number, totalMs: number): Phases {
  const [listed, ...details] = emu.requests.map((r) => r.at - spawnedAt);
  const list = listed!;
  const first = Math.min(...details);
  const last = Math.max(...details);
  return { beforeList: list, list: first - list, details: last - first, after: totalMs - last };
}

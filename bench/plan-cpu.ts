// CPU time of a whole `plan` process of N = 10,000 with no latency: the emulator answers at once (it runs
// in this process, the CLI in another), so the figure is the CLI's own cost: start-up, config stage,
// 1 + N requests, diff and render. Target 3 s.
import { startEmulator } from '../test/emulator/server.js';
import { median, type Reporter } from './figures.js';
import { CLI, expectExit, remoteEnv, runNode } from './process.js';
import { seedEmulator, writeWorkload } from './workload.js';

const N = 10_000;
const RUNS = 3;
const BOUND_MS = 3_000;
/** A run takes 3-6 s here; far beyond that something is wrong, and the benchmark must still end. */
const TIMEOUT_MS = 90_000;

export async function benchPlanCpu(report: Reporter): Promise<void> {
  const emu = await startEmulator({ rateLimitPerMinute: 100_000_000 });
  const w = writeWorkload(N);
  try {
    const args = ['--', CLI, 'plan', '-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile];
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      emu.reset();
      seedEmulator(emu, N, false);
      const r = expectExit(await runNode(args, remoteEnv(emu.url), TIMEOUT_MS), 0, `plan N=${N}`);
      if (emu.requests.length !== 1 + N) throw new Error(`plan N=${N}: ${emu.requests.length} requests, expected ${1 + N}`);
      if (!r.stdout.includes(`0 to create, ${N} to update`)) throw new Error(`plan N=${N}: expected ${N} updates\n${r.stdout.slice(-500)}`);
      if (r.cpuMs === undefined) throw new Error('no CPU time for child processes on this platform (Linux /proc needed)');
      cpu.push(r.cpuMs);
      wall.push(r.ms);
    }
    report.note(`plan N=${N}: CPU ${cpu.map((ms) => ms.toFixed(0)).join(', ')} ms; wall ${wall.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    report.record({ benchmark: 'plan-cpu', name: `plan-cpu: plan N=${N}, no latency, ${N} updates: CPU (user + sys) of the process (median of ${RUNS})`, value: median(cpu), unit: 'ms', bound: BOUND_MS, maxRatio: 1 });
  } finally {
    w.remove();
    await emu.close();
  }
}

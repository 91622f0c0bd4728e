// Start-up: `--help`, `validate` of the bundled examples and `plan` of 5 integrations (emulator, no latency)
// against a bare `node -e 0` on the same machine. Runs alternate (node, help, validate, plan, node, ...) so
// that every command meets the same load; wall time is the figure gated, CPU time is shown beside it (the
// mean: the kernel counts a child's CPU time in 10 ms ticks, too coarse for a median of 20-100 ms runs).
import { startEmulator } from '../test/emulator/server.js';
import { median, type Reporter } from './figures.js';

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
import { CLI, expectExit, medianMs, remoteEnv, runNode, type ProcessResult } from './process.js';
import { seedEmulator, writeWorkload } from './workload.js';

const RUNS = 10;
const PLAN_N = 5;

/** Median spawn → exit of an empty Node process: the floor every CLI run pays. */
export async function nodeStartMs(runs = RUNS): Promise<number> {
  return (await medianMs(runs, () => runNode(['-e', '0']))).median;
}

interface Subject {
  name: string;
  figure: string;
  maxRatio?: number;
  run: () => Promise<ProcessResult>;
}

export async function benchStartup(report: Reporter): Promise<void> {
  const emu = await startEmulator({ rateLimitPerMinute: 1_000_000 });
  const w = writeWorkload(PLAN_N);
  try {
    const subjects: Subject[] = [
      { name: 'node', figure: 'node -e 0', run: () => runNode(['-e', '0']) },
      { name: 'help', figure: '--help', maxRatio: 1.5, run: async () => expectExit(await runNode(['--', CLI, '--help']), 0, '--help') },
      {
        name: 'validate',
        figure: 'validate -c config-examples/nango --env-file config-examples/demo.env',
        maxRatio: 2,
        run: async () => expectExit(await runNode(['--', CLI, 'validate', '-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env']), 0, 'validate of the examples'),
      },
      {
        name: 'plan',
        figure: `plan N=${PLAN_N} (emulator, no latency, ${PLAN_N} updates)`,
        maxRatio: 3,
        run: async () => {
          emu.reset();
          seedEmulator(emu, PLAN_N, false);
          const args = ['--', CLI, 'plan', '-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile];
          const r = expectExit(await runNode(args, remoteEnv(emu.url)), 0, `plan N=${PLAN_N}`);
          if (!r.stdout.includes(`${PLAN_N} to update`)) throw new Error(`plan N=${PLAN_N}: expected ${PLAN_N} updates\n${r.stdout.slice(-500)}`);
          return r;
        },
      },
    ];
    const wall = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
    const cpu = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
    for (const s of subjects) await s.run(); // warm-up: disk cache
    for (let i = 0; i < RUNS; i++) {
      for (const s of subjects) {
        const r = await s.run();
        wall.get(s.name)!.push(r.ms);
        if (r.cpuMs !== undefined) cpu.get(s.name)!.push(r.cpuMs);
      }
    }
    const nodeWall = median(wall.get('node')!);
    const nodeCpu = cpu.get('node')!.length === RUNS ? mean(cpu.get('node')!) : undefined;
    report.record({ benchmark: 'startup', name: `startup: node -e 0 (median of ${RUNS}, wall)`, value: nodeWall, unit: 'ms' });
    for (const s of subjects) {
      if (s.maxRatio === undefined) continue;
      const all = wall.get(s.name)!;
      report.note(`${s.name} runs ${all.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      report.record({ benchmark: 'startup', name: `startup: ${s.figure} (median of ${RUNS}) vs node -e 0`, value: median(all), unit: 'ms', bound: nodeWall, maxRatio: s.maxRatio });
      // CPU time barely depends on what else the machine runs; wall time does (see the load line of the run).
      const cpus = cpu.get(s.name)!;
      if (nodeCpu !== undefined && cpus.length === RUNS) {
        report.record({ benchmark: 'startup', name: `startup: same, CPU time (user + sys, mean) vs that of node -e 0`, value: mean(cpus), unit: 'ms', bound: nodeCpu });
      }
    }
  } finally {
    w.remove();
    await emu.close();
  }
}

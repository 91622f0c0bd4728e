// The daemon as a process: requests of its start-up reconcile (1 + N), of a steady-state reconcile (SIGHUP on
// a converged environment, bound 1: the list, every detail served from the cache keyed by updated_at) and of a
// reconcile applying N updates (1 + 2N); the CPU time of a steady-state reconcile; its RSS idle and during
// that reconcile. Then the same at rest with two environments, per environment.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../test/emulator/server.js';
import type { Reporter } from './figures.js';
import { processCpuMs } from './cpu-time.js';
import { startDaemonProcess, readMemory, type DaemonProcess, type LogLine } from './daemon-process.js';
import { median } from './figures.js';
import { remoteEnv } from './process.js';
import { SIZES } from './requests.js';
import { seedEmulator, seedsFor, writeWorkload, type Workload } from './workload.js';

const IDLE_SETTLE_MS = 3_000;
const MEMORY_RECONCILE_N = 1000;
/** Idle RSS targets by N (issue 11); other sizes are shown without one. */
const IDLE_BOUND_MB: Readonly<Record<number, number>> = { 10: 64, 1000: 80 };
/** CPU of one steady-state reconcile (nothing changed: one list request): target at N = 1,000. */
const STEADY_CPU_BOUND_MS = 30;
const STEADY_CPU_N = 1000;
const STEADY_RUNS = 5;
const SAMPLE_EVERY_MS = 10;

/** The flags the image runs the daemon with (Dockerfile's ENTRYPOINT). */
const IMAGE_NODE_ARGS = '--lite-mode --no-expose-wasm';
/** Flags for node itself when running the daemon: the image's, unless BENCH_DAEMON_NODE_ARGS says otherwise (empty: none). */
const NODE_ARGS = (process.env['BENCH_DAEMON_NODE_ARGS'] ?? IMAGE_NODE_ARGS).split(' ').filter((a) => a !== '');

/** Two environments of N each (every integration in both), each held by its own key of one emulator. */
const TWO_ENVIRONMENTS_N = 1000;
const SECOND_KEY = '5d1e7c3a-9b2f-4e8d-a6c0-3f7b1e9d2c84';
const ENVIRONMENT_KEYS: ReadonlyArray<{ environment: string; secretKey: string }> = [
  { environment: 'dev', secretKey: DEFAULT_SECRET_KEY },
  { environment: 'prod', secretKey: SECOND_KEY },
];

/** Once a year: the default (every 5 minutes) could start a reconcile in the middle of a measurement. */
const NEVER_DURING_THE_RUN = '0 0 1 1 *';

function daemonArgs(w: Workload): string[] {
  // Reconciles happen only on start and SIGHUP; the hourly full refresh cannot fall into a run this short.
  return ['-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile, '--log-level', 'info', '--schedule', NEVER_DURING_THE_RUN];
}

function expectResult(line: LogLine, what: string, summary?: (s: Record<string, number>) => boolean): void {
  const s = line['summary'] as Record<string, number> | undefined;
  if (line['result'] !== 'success' || (summary && (!s || !summary(s)))) {
    throw new Error(`daemon ${what}: unexpected reconcile ${JSON.stringify(line).slice(0, 1000)}`);
  }
}

async function withDaemon<T>(emu: Emulator, w: Workload, body: (d: DaemonProcess) => Promise<T>, env: Record<string, string> = remoteEnv(emu.url)): Promise<T> {
  const daemon = await startDaemonProcess(daemonArgs(w), env, NODE_ARGS);
  try {
    return await body(daemon);
  } finally {
    await daemon.stop();
  }
}

/** One reconcile of each of `environments` on demand; the emulator's count of requests they made and their log lines. */
async function reconcileAll(emu: Emulator, daemon: DaemonProcess, environments: number): Promise<{ requests: number; lines: LogLine[] }> {
  const count = daemon.reconciles().length;
  emu.clearRequests();
  daemon.signal('SIGHUP');
  await daemon.waitForReconciles(count + environments);
  return { requests: emu.requests.length, lines: daemon.reconciles().slice(count) };
}

/** One reconcile on demand; returns the emulator's count of requests it made and its log line. */
async function reconcileOnce(emu: Emulator, daemon: DaemonProcess): Promise<{ requests: number; line: LogLine }> {
  const { requests, lines } = await reconcileAll(emu, daemon, 1);
  return { requests, line: lines[0]! };
}

/** The daemon's CPU time for each of `runs` SIGHUPs (all environments reconciled, each converged with `n` unchanged). */
async function steadyCpu(emu: Emulator, daemon: DaemonProcess, environments: number, n: number, runs: number): Promise<number[] | undefined> {
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = processCpuMs(daemon.pid);
    const again = await reconcileAll(emu, daemon, environments);
    const after = processCpuMs(daemon.pid);
    for (const line of again.lines) expectResult(line, `steady state N=${n}`, (s) => s['unchanged'] === n);
    if (before !== undefined && after !== undefined) cpu.push(after - before);
  }
  return cpu.length === runs ? cpu : undefined;
}

export async function benchDaemon(report: Reporter): Promise<void> {
  report.note(`daemon run as node ${NODE_ARGS.join(' ')} -- ... (${NODE_ARGS.join(' ') === IMAGE_NODE_ARGS ? "the image's flags" : 'BENCH_DAEMON_NODE_ARGS'})`);
  const emu = await startEmulator({ rateLimitPerMinute: 1_000_000 });
  try {
    for (const n of SIZES) {
      const w = writeWorkload(n);
      try {
        emu.reset();
        seedEmulator(emu, n, true);
        await withDaemon(emu, w, async (daemon) => {
          const start = await daemon.waitForReconciles(1);
          expectResult(start, `start N=${n}`, (s) => s['unchanged'] === n);
          report.record({ benchmark: 'requests', name: `requests: daemon start-up reconcile (empty cache, converged), N=${n}`, value: emu.requests.length, unit: 'req', bound: 1 + n, maxRatio: 1 });
          // The start-up reconcile filled the detail cache; a converged environment's updated_at do not move.
          const steady = await reconcileOnce(emu, daemon);
          expectResult(steady.line, `steady state N=${n}`, (s) => s['unchanged'] === n);
          report.record({ benchmark: 'requests', name: `requests: daemon steady-state reconcile (SIGHUP, converged), N=${n}`, value: steady.requests, unit: 'req', bound: 1, maxRatio: 1 });

          // CPU of the daemon (all threads) from SIGHUP to the reconcile's log line, a few times over.
          const cpu = await steadyCpu(emu, daemon, 1, n, STEADY_RUNS);
          if (cpu) {
            report.note(`steady-state reconciles N=${n}: CPU ${cpu.map((ms) => ms.toFixed(1)).join(', ')} ms`);
            report.record({
              benchmark: 'daemon-cpu',
              name: `daemon-cpu: steady-state reconcile (SIGHUP, converged), N=${n}, CPU of the daemon (median of ${STEADY_RUNS})`,
              value: median(cpu),
              unit: 'ms',
              ...(n === STEADY_CPU_N ? { bound: STEADY_CPU_BOUND_MS, maxRatio: 1 } : {}),
            });
          }

          await sleep(IDLE_SETTLE_MS);
          const idle = readMemory(daemon.pid);
          const idleBound = IDLE_BOUND_MB[n];
          report.record({
            benchmark: 'memory',
            name: `memory: daemon RSS idle, ${IDLE_SETTLE_MS / 1000} s after its start-up and ${1 + STEADY_RUNS} steady-state reconciles of N=${n} (converged)`,
            value: idle.rssMb,
            unit: 'MB',
            ...(idleBound !== undefined ? { bound: idleBound, maxRatio: 1 } : {}),
          });
          if (n !== MEMORY_RECONCILE_N) return;

          // Every integration drifts (display name back to the provider's): the next reconcile reads every
          // detail again (updated_at moved) and PATCHes all of them.
          seedEmulator(emu, n, false);
          const count = daemon.reconciles().length;
          emu.clearRequests();
          daemon.signal('SIGHUP');
          const done = daemon.waitForReconciles(count + 1);
          let finished = false;
          done.then(
            () => (finished = true),
            () => (finished = true),
          );
          let peak = idle.rssMb;
          while (!finished) {
            peak = Math.max(peak, readMemory(daemon.pid).rssMb);
            await sleep(SAMPLE_EVERY_MS);
          }
          const line = await done;
          expectResult(line, `apply N=${n}`, (s) => s['update'] === n);
          const after = readMemory(daemon.pid);
          report.record({ benchmark: 'requests', name: `requests: daemon reconcile applying N updates (list + N details + N PATCH), N=${n}`, value: emu.requests.length, unit: 'req', bound: 1 + 2 * n, maxRatio: 1 });
          report.note(`that reconcile took ${String(line['duration_ms'])} ms`);
          report.record({ benchmark: 'memory', name: `memory: daemon RSS during a reconcile applying ${n} updates (max of samples every ${SAMPLE_EVERY_MS} ms)`, value: peak, unit: 'MB' });
          report.record({ benchmark: 'memory', name: 'memory: daemon peak RSS since start (VmHWM) after it', value: after.hwmMb, unit: 'MB' });
          await sleep(IDLE_SETTLE_MS);
          report.record({ benchmark: 'memory', name: `memory: daemon RSS idle, ${IDLE_SETTLE_MS / 1000} s after that reconcile`, value: readMemory(daemon.pid).rssMb, unit: 'MB' });
        });
      } finally {
        w.remove();
      }
    }
  } finally {
    await emu.close();
  }
  await benchTwoEnvironments(report);
}

/**
 * A daemon with two environments at rest stays within the same per-environment figures: one request and
 * at most the steady-state CPU bound per environment, and the idle RSS bound of one environment of that size.
 */
async function benchTwoEnvironments(report: Reporter): Promise<void> {
  const n = TWO_ENVIRONMENTS_N;
  const emu = await startEmulator({ rateLimitPerMinute: 1_000_000, keys: [...ENVIRONMENT_KEYS] });
  const w = writeWorkload(n);
  try {
    const block = ENVIRONMENT_KEYS.map(({ environment }) => `  ${environment}:\n    secret_key: \${NANGO_SECRET_KEY_${environment.toUpperCase()}}\n`);
    writeFileSync(join(w.configDir, '00-environments.yaml'), `environments:\n${block.join('')}`);
    const env: Record<string, string> = { NANGO_HOST: emu.url };
    for (const { environment, secretKey } of ENVIRONMENT_KEYS) {
      emu.seed(seedsFor(n, true), environment);
      env[`NANGO_SECRET_KEY_${environment.toUpperCase()}`] = secretKey;
    }
    const environments = ENVIRONMENT_KEYS.length;
    const what = `${environments} environments of N=${n} each`;
    await withDaemon(
      emu,
      w,
      async (daemon) => {
        await daemon.waitForReconciles(environments);
        for (const line of daemon.reconciles()) expectResult(line, `start, ${what}`, (s) => s['unchanged'] === n);
        const steady = await reconcileAll(emu, daemon, environments);
        for (const line of steady.lines) expectResult(line, `steady state, ${what}`, (s) => s['unchanged'] === n);
        report.record({ benchmark: 'requests', name: `requests: daemon steady-state reconcile (SIGHUP, converged), ${what}`, value: steady.requests, unit: 'req', bound: environments, maxRatio: 1 });
        const cpu = await steadyCpu(emu, daemon, environments, n, STEADY_RUNS);
        if (cpu) {
          const perEnvironment = cpu.map((ms) => ms / environments);
          report.note(`steady-state reconciles, ${what}: CPU ${cpu.map((ms) => ms.toFixed(1)).join(', ')} ms for both`);
          report.record({
            benchmark: 'daemon-cpu',
            name: `daemon-cpu: steady-state reconcile (SIGHUP, converged), ${what}, CPU of the daemon per environment (median of ${STEADY_RUNS})`,
            value: median(perEnvironment),
            unit: 'ms',
            bound: STEADY_CPU_BOUND_MS,
            maxRatio: 1,
          });
        }
        await sleep(IDLE_SETTLE_MS);
        const idleBound = IDLE_BOUND_MB[n];
        report.record({
          benchmark: 'memory',
          name: `memory: daemon RSS idle, ${IDLE_SETTLE_MS / 1000} s after its start-up and ${1 + STEADY_RUNS} steady-state reconciles, ${what}`,
          value: readMemory(daemon.pid).rssMb,
          unit: 'MB',
          ...(idleBound !== undefined ? { bound: idleBound, maxRatio: 1 } : {}),
        });
      },
      env,
    );
  } finally {
    w.remove();
    await emu.close();
  }
}

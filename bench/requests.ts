// Requests of a plan (a fresh process each time) against the lower bound: 1 list + 1 detail read
// (include[]=credentials) per declared integration whose credentials the config manages, 0 when Nango does
// not hold it yet. The daemon's steady state is in daemon.ts.
import { startEmulator, type Emulator } from '../test/emulator/server.js';
import type { Reporter } from './figures.js';
import { expectExit, remoteEnv, runCli } from './process.js';
import { seedEmulator, writeWorkload, type Workload } from './workload.js';

export const SIZES = [10, 100, 1000] as const;

function planArgs(w: Workload): string[] {
  return ['plan', '-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile];
}

async function countRequests(emu: Emulator, run: () => Promise<void>): Promise<number> {
  emu.clearRequests();
  await run();
  return emu.requests.length;
}

export async function benchRequests(report: Reporter): Promise<void> {
  // A limit no run reaches: this benchmark counts requests, pacing is the wall-time benchmark's concern.
  const emu = await startEmulator({ rateLimitPerMinute: 1_000_000 });
  const env = remoteEnv(emu.url);
  try {
    for (const n of SIZES) {
      const w = writeWorkload(n);
      try {
        emu.reset();
        const empty = await countRequests(emu, async () => {
          const r = expectExit(await runCli(planArgs(w), env), 0, `plan N=${n} (empty environment)`);
          if (!r.stdout.includes(`Plan: ${n} to create, 0 to update`)) throw new Error(`plan N=${n} (empty environment): expected ${n} creates\n${r.stdout.slice(-500)}`);
        });
        report.record({ benchmark: 'requests', name: `requests: cold plan, empty environment (${n} creates), N=${n}`, value: empty, unit: 'req', bound: 1, maxRatio: 1 });

        emu.reset();
        seedEmulator(emu, n, false);
        const cold = await countRequests(emu, async () => {
          const r = expectExit(await runCli(planArgs(w), env), 0, `plan N=${n} (cold)`);
          if (!r.stdout.includes(`0 to create, ${n} to update`)) throw new Error(`plan N=${n} (cold): expected ${n} updates\n${r.stdout.slice(-500)}`);
        });
        report.record({ benchmark: 'requests', name: `requests: cold plan (env holds the N, display names unconverged), N=${n}`, value: cold, unit: 'req', bound: 1 + n, maxRatio: 1 });

        // Converged: Nango holds exactly what the files declare (as after an apply).
        emu.reset();
        seedEmulator(emu, n, true);
        const converged = await countRequests(emu, async () => {
          const r = expectExit(await runCli([...planArgs(w), '--detailed-exitcode'], env), 0, `plan N=${n} (converged)`);
          if (!r.stdout.includes('No changes.')) throw new Error(`plan N=${n} (converged): expected no changes\n${r.stdout.slice(-500)}`);
        });
        report.record({ benchmark: 'requests', name: `requests: converged plan (fresh process), N=${n}`, value: converged, unit: 'req', bound: 1 + n, maxRatio: 1 });
      } finally {
        w.remove();
      }
    }
  } finally {
    await emu.close();
  }
}

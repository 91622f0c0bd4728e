// Where a steady-state reconcile of the daemon spends its CPU: runs the daemon with the image's flags under
// `--cpu-prof`, triggers many converged reconciles (SIGHUP) so that they outweigh the start-up, and prints
// the functions with the most self time. Not part of `npm run bench`: it explains a figure, it is not one.
//
//   node dist/bench/daemon-profile.js [N=1000] [RUNS=150]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator } from '../test/emulator/server.js';
import { startDaemonProcess } from './daemon-process.js';
import { remoteEnv } from './process.js';
import { seedEmulator, writeWorkload } from './workload.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const n = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 150);
const profileDir = mkdtempSync(join(tmpdir(), 'nango-gitops-profile-'));
const emu = await startEmulator({ rateLimitPerMinute: 100_000_000 });
const w = writeWorkload(n);
try {
  seedEmulator(emu, n, true);
  const args = ['-c', w.configDir, '--env-file', w.envFile, '--state', w.stateFile, '--log-level', 'info', '--schedule', '0 0 1 1 *'];
  const daemon = await startDaemonProcess(args, remoteEnv(emu.url), ['--lite-mode', '--no-expose-wasm', '--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  await daemon.waitForReconciles(1, 120_000);
  for (let i = 0; i < runs; i++) {
    const count = daemon.reconciles().length;
    daemon.signal('SIGHUP');
    await daemon.waitForReconciles(count + 1, 60_000);
  }
  await daemon.stop();
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('the daemon wrote no profile');
  const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as Profile;
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = (selfUs.get(node.id) ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busyMs += ms;
    const name = `${functionName || '(anonymous)'} ${url.split('/').pop() ?? ''}:${lineNumber}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  process.stdout.write(`daemon N=${n}: start-up reconcile + ${runs} steady-state reconciles, ${busyMs.toFixed(0)} ms of sampled CPU (not idle)\n`);
  process.stdout.write('self ms  per steady run  function\n');
  for (const [name, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`${ms.toFixed(0).padStart(7)}  ${(ms / runs).toFixed(2).padStart(14)}  ${name}\n`);
  }
} finally {
  w.remove();
  await emu.close();
  rmSync(profileDir, { recursive: true, force: true });
}

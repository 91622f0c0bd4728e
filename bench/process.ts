// Runs the built CLI (or any node script) as a separate process, as users and CI do, timing spawn → exit.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { DEFAULT_SECRET_KEY } from '../test/emulator/server.js';
import { CLI, ROOT } from '../test/helpers/cli.js';
import { median } from './figures.js';

export { CLI, ROOT };

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to the child's exit. */
  ms: number;
  /** CPU time (user + system) the child used, from the kernel's account of reaped children; 10 ms resolution. */
  cpuMs: number | undefined;
}

/** User + system CPU time of this process's reaped children (Linux /proc; undefined elsewhere). */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which may itself hold spaces: state is field 3, cutime 16, cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks * TICK_MS : undefined;
  } catch {
    return undefined;
  }
}
/** USER_HZ is 100 on every Linux that Node supports. */
const TICK_MS = 10;

export function runNode(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // Nothing of the caller's environment but PATH: runs are comparable and no NANGO_GITOPS_* leaks in.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let exitedAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', () => (exitedAt = performance.now()));
    child.on('close', (code) => {
      clearTimeout(timer);
      const cpuAfter = childrenCpuMs();
      const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
      resolvePromise({ code, stdout, stderr, ms: (exitedAt ?? performance.now()) - started, cpuMs });
    });
  });
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<ProcessResult> {
  return runNode(['--', CLI, ...args], env);
}

/** The environment a CLI run against the emulator needs. */
export function remoteEnv(emulatorUrl: string): Record<string, string> {
  return { NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_HOST: emulatorUrl };
}

/** Throws with the command's stderr (which holds no secret: the workload's are fake) when the exit code is not expected. */
export function expectExit(result: ProcessResult, expected: number, what: string): ProcessResult {
  if (result.code !== expected) {
    throw new Error(`${what}: exit ${String(result.code)}, expected ${expected}\n${result.stderr.slice(0, 2000)}${result.stdout.slice(0, 2000)}`);
  }
  return result;
}

/** Median of `runs` timed runs of the same command, after one unmeasured warm-up run (disk cache). */
export async function medianMs(runs: number, once: () => Promise<ProcessResult>): Promise<{ median: number; all: number[]; cpuMedian: number | undefined }> {
  await once();
  const all: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await once();
    all.push(result.ms);
    if (result.cpuMs !== undefined) cpu.push(result.cpuMs);
  }
  return { median: median(all), all, cpuMedian: cpu.length === runs ? median(cpu) : undefined };
}

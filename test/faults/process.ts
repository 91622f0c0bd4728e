// Spawning the built CLI where a test needs the process itself (to kill it), not just its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { CLI, ROOT } from '../helpers/cli.js';

export interface Spawned {
  child: ChildProcess;
  /** Resolves once the process is gone and its output read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

const running = new Set<ChildProcess>();

// A test that fails half-way must not leave a process behind.
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export function spawnCli(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--', CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NANGO_GITOPS_AUTO_APPROVE: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, closed };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `reached` often, so that a kill lands close to the point it describes. Returns false when the
 * process ended first.
 */
export async function waitUntil(reached: () => boolean, ended: Promise<unknown>, timeoutMs = 30_000): Promise<boolean> {
  let hasEnded = false;
  void ended.then(() => (hasEnded = true));
  const deadline = Date.now() + timeoutMs;
  while (!reached()) {
    if (hasEnded) return false;
    if (Date.now() > deadline) throw new Error(`kill point not reached within ${timeoutMs} ms`);
    await sleep(1);
  }
  return true;
}

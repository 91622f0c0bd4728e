// `nango-gitops daemon` as a process, as Kubernetes runs it: its JSON log lines, its address, its RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { CLI, ROOT } from './process.js';
import { onJsonLines } from '../test/helpers/json-lines.js';

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface DaemonProcess {
  pid: number;
  lines: LogLine[];
  /** The `msg: "reconcile"` lines so far. */
  reconciles(): LogLine[];
  /** Resolves once `count` reconcile lines exist; rejects if the daemon exits or the deadline passes. */
  waitForReconciles(count: number, timeoutMs?: number): Promise<LogLine>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it lingers; resolves when the process is gone. */
  stop(): Promise<void>;
}

/** `nodeArgs`: flags for node itself (e.g. the image's V8 flags). */
export async function startDaemonProcess(args: string[], env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--', CLI, 'daemon', '--listen', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  onJsonLines(child.stdout, (value, raw) => {
    lines.push((value as LogLine | undefined) ?? { msg: `(not JSON) ${raw}` });
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<void>((resolve) =>
    child.on('close', () => {
      exited = true;
      notify();
      resolve();
    }),
  );

  const waitFor = (predicate: () => LogLine | undefined, what: string, timeoutMs: number): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = predicate();
        if (found) finish(() => resolve(found));
        else if (exited) finish(() => reject(new Error(`daemon exited while waiting for ${what}\n${stderr.slice(0, 2000)}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`daemon: no ${what} after ${timeoutMs} ms\n${stderr.slice(0, 2000)}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  const reconciles = (): LogLine[] => lines.filter((l) => l.msg === 'reconcile');
  const daemon: DaemonProcess = {
    pid: child.pid ?? -1,
    lines,
    reconciles,
    waitForReconciles: (count, timeoutMs = 60_000) => waitFor(() => reconciles()[count - 1], `reconcile #${count}`, timeoutMs),
    signal: (signal) => {
      if (!exited) child.kill(signal);
    },
    stop: async () => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
  try {
    await waitFor(() => lines.find((l) => l.msg === 'listening'), 'listening line', 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return daemon;
}

export interface MemoryStatus {
  /** Resident set size now, MB (VmRSS). */
  rssMb: number;
  /** Peak resident set size since start, MB (VmHWM). */
  hwmMb: number;
}

/** From /proc/<pid>/status (Linux). */
export function readMemory(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) / 1024;
  };
  return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
}

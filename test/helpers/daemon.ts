// Runs `nango-gitops daemon` as a process, as Kubernetes does, and reads its JSON log lines.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { CLI, ROOT } from './cli.js';
import { onJsonLines } from './json-lines.js';

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProcess {
  /** http://HOST:PORT of /healthz, /readyz, /metrics. */
  url: string;
  pid: number;
  /** Every JSON line printed so far on stdout. */
  lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** The `msg: "reconcile"` lines so far. */
  reconciles(): LogLine[];
  /** Resolves with the first line (from index `from` on) matching, or rejects after the deadline. */
  waitFor(predicate: (line: LogLine) => boolean, options?: { timeoutMs?: number; from?: number }): Promise<LogLine>;
  /** Waits until `count` reconcile lines exist in total. */
  waitForReconciles(count: number, timeoutMs?: number): Promise<LogLine[]>;
  get(path: string): Promise<{ status: number; text: string; json: unknown }>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<Exit>;
}

const running = new Set<ChildProcessByStdio<null, Readable, Readable>>();

// A test that fails half-way must not leave a daemon behind.
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export interface StartDaemonOptions {
  /** Arguments after `daemon`; `--listen 127.0.0.1:0` and a temporary `--state` are added unless given. */
  args: string[];
  /** The whole environment besides PATH. */
  env: Record<string, string>;
  cwd?: string;
  /** How long to wait for the `listening` line. */
  timeoutMs?: number;
  /** Flags for node itself (the image runs the daemon as `node --lite-mode`). */
  nodeArgs?: string[];
}

export async function startDaemon(options: StartDaemonOptions): Promise<DaemonProcess> {
  const args = ['daemon', ...options.args];
  if (!args.includes('--listen') && options.env.NANGO_GITOPS_LISTEN === undefined) args.push('--listen', '127.0.0.1:0');
  if (!args.includes('--state') && options.env.NANGO_GITOPS_STATE === undefined) {
    args.push('--state', join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json'));
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--', CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);

  let stdout = '';
  let stderr = '';
  const lines: LogLine[] = [];
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  onJsonLines(
    child.stdout,
    (value, raw) => {
      lines.push((value as LogLine | undefined) ?? { level: 0, time: Date.now(), msg: `(not JSON) ${raw}` });
      notify();
    },
    (text) => (stdout += text),
  );
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  let hasExited = false;
  const exited = new Promise<Exit>((resolve) => {
    // 'close', not 'exit': every line the process wrote has been read by then.
    child.on('close', (code, signal) => {
      running.delete(child);
      hasExited = true;
      resolve({ code, signal });
      notify();
    });
  });

  const waitFor = (predicate: (line: LogLine) => boolean, waitOptions: { timeoutMs?: number; from?: number } = {}): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const timeoutMs = waitOptions.timeoutMs ?? 10_000;
      const check = (): boolean => {
        const found = lines.slice(waitOptions.from ?? 0).find(predicate);
        if (found) {
          done();
          resolve(found);
          return true;
        }
        if (hasExited) {
          done();
          reject(new Error(`daemon exited before the expected log line\nstdout:\n${stdout}\nstderr:\n${stderr}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const listener = (): void => void check();
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      listeners.add(listener);
      check();
    });

  const listening = await waitFor((l) => l.msg === 'listening', { timeoutMs: options.timeoutMs ?? 10_000 });
  const url = `http://${String(listening.address)}`;
  const reconciles = (): LogLine[] => lines.filter((l) => l.msg === 'reconcile');

  return {
    url,
    pid: child.pid ?? -1,
    lines,
    stdout: () => stdout,
    stderr: () => stderr,
    reconciles,
    waitFor,
    async waitForReconciles(count, timeoutMs = 10_000) {
      await waitFor(() => reconciles().length >= count, { timeoutMs });
      return reconciles();
    },
    async get(path) {
      const response = await fetch(`${url}${path}`);
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    },
    kill(signal) {
      child.kill(signal);
    },
    exited,
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after the deadline. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of one sample in Prometheus text, e.g. metric('nango_gitops_config_valid') or with labels. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}

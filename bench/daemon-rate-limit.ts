// Benchmark (not in the test suite): the daemon converges under a tight account rate limit without a 429.
//
//   npm run build && node dist/bench/daemon-rate-limit.js [--count 150] [--limit 100] [--window-ms 5000]
//
// The emulator allows --limit requests per fixed window, like Nango's per-account 60-second window. To
// keep the run short the window is scaled down (default 5 s instead of 60 s, i.e. 12x faster); the pacer
// reads the window from X-RateLimit-Reset, so the behaviour is the same, only the waiting is shorter.
// Declared: --count slack integrations with credentials, none existing. The start reconcile creates them
// (1 list + N POSTs); a SIGHUP reconcile then verifies convergence, reading every detail once (their
// updated_at is new): about 2N requests in all, several windows' worth.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SECRET_KEY, startEmulator } from '../test/emulator/server.js';

interface LogLine {
  msg: string;
  [field: string]: unknown;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'dist/cli/nango-gitops.js');

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1`);
  return n;
}

function configFor(count: number): string {
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    items.push(`  - unique_key: slack-${String(i).padStart(4, '0')}
    provider: slack
    credentials:
      type: OAUTH2
      client_id: "client-${i}"
      client_secret: \${SLACK_SECRET}
      scopes: [chat:write]
`);
  }
  return `integrations:\n${items.join('')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, limit: { type: 'string' }, 'window-ms': { type: 'string' } }, strict: true });
  const count = positive('count', values.count, 150);
  const limit = positive('limit', values.limit, 100);
  const windowMs = positive('window-ms', values['window-ms'], 5_000);

  const emulator = await startEmulator({ rateLimitPerMinute: limit, rateLimitWindowMs: windowMs });
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-bench-'));
  writeFileSync(join(dir, 'slack.yaml'), configFor(count));

  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--', CLI, 'daemon', '-c', dir, '--listen', '127.0.0.1:0', '--state', join(dir, 'state.json'), '--concurrency', '8'],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NANGO_HOST: emulator.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, SLACK_SECRET: 'bench-secret' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: LogLine[] = [];
  let partial = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) if (part.trim() !== '') lines.push(JSON.parse(part) as LogLine);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));

  const reconcile = async (n: number, timeoutMs: number): Promise<LogLine> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.filter((l) => l.msg === 'reconcile')[n - 1];
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`reconcile ${n} did not finish within ${timeoutMs} ms`);
      await new Promise<void>((wake) => {
        waiters.push(wake);
        setTimeout(wake, 250);
      });
    }
  };

  const windows = Math.ceil((2 * count + 2) / limit) + 2;
  let ok = false;
  try {
    const first = await reconcile(1, windows * windowMs * 2 + 30_000);
    const createdAt = Date.now();
    child.kill('SIGHUP');
    const second = await reconcile(2, windows * windowMs * 2 + 30_000);
    const convergedAt = Date.now();
    const requests = emulator.requests;
    const throttled = requests.filter((r) => r.status === 429).length;
    const perWindow = new Map<number, number>();
    for (const r of requests) perWindow.set(Math.floor((r.at - requests[0]!.at) / windowMs), (perWindow.get(Math.floor((r.at - requests[0]!.at) / windowMs)) ?? 0) + 1);
    const present = emulator.integrations().length;
    const summary = (line: LogLine): string => JSON.stringify(line.summary);
    process.stdout.write(
      [
        `rate limit: ${limit} requests per ${windowMs} ms window (scaled from 60 s: x${(60_000 / windowMs).toFixed(1)})`,
        `integrations declared: ${count}, present after: ${present}`,
        `start reconcile: ${String(first.result)} in ${String(first.duration_ms)} ms, ${String(first.requests)} requests, ${summary(first)}`,
        `verify reconcile: ${String(second.result)} in ${String(second.duration_ms)} ms, ${String(second.requests)} requests, ${summary(second)}`,
        `total API requests: ${requests.length}, of which 429: ${throttled}`,
        `busiest window: ${Math.max(...perWindow.values())} requests (limit ${limit})`,
        `time to create everything: ${createdAt - started} ms; to verified convergence: ${convergedAt - started} ms`,
        '',
      ].join('\n'),
    );
    const s = second.summary as Record<string, number> | undefined;
    ok = throttled === 0 && present === count && first.result === 'success' && second.result === 'success' && s?.unchanged === count;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await emulator.close();
  }
  process.stdout.write(ok ? 'OK: converged without a single 429\n' : 'FAILED: see the figures above\n');
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

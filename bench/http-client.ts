// CPU per request of the HTTP clients the Nango client could use, against the emulator in another process:
// Node's fetch, node:http with a keep-alive agent, undici's request() when installed, and the Nango client
// itself (node:http, pacer, JSON checks). Each client runs in a fresh process, alternating, and measures
// only itself, first request (and fetch's WebAssembly compile) included.
//
//   node dist/bench/http-client.js [requests=2000] [rounds=3]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

import { createNangoClient } from '../src/nango/client.js';
import { DEFAULT_SECRET_KEY } from '../test/emulator/server.js';
import { median } from './figures.js';

const CONCURRENCY = 8;
const KEY = 'bench-key';
type Mode = 'fetch' | 'node:http' | 'undici' | 'client';

async function runChild(mode: Mode, base: string, n: number): Promise<void> {
  const url = `${base}/integrations/${KEY}`;
  const headers = { authorization: `Bearer ${DEFAULT_SECRET_KEY}`, accept: 'application/json' };
  let one: () => Promise<unknown>;
  if (mode === 'fetch') {
    one = async () => (await fetch(url, { headers })).text();
  } else if (mode === 'node:http') {
    const agent = new http.Agent({ keepAlive: true });
    one = () =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
  } else if (mode === 'undici') {
    // Not a dependency: UNDICI_MODULE may name an installed copy (e.g. /tmp/x/node_modules/undici/index.js).
    let undici: { request: (u: string, o: object) => Promise<{ body: { text(): Promise<string> } }> };
    try {
      undici = (await import(process.env.UNDICI_MODULE ?? 'undici')) as typeof undici;
    } catch {
      process.exit(3);
    }
    one = async () => (await undici.request(url, { headers })).body.text();
  } else {
    const client = createNangoClient({ host: base, secretKey: DEFAULT_SECRET_KEY, env: {} });
    one = () => client.getIntegration(KEY, []);
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await one();
    }),
  );
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started })}\n`);
}

function spawnJson(args: string[]): Promise<{ cpuMs: number; wallMs: number } | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve(code === 0 ? (JSON.parse(out) as { cpuMs: number; wallMs: number }) : undefined));
  });
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  if (first === '--child') {
    await runChild(rest[0] as Mode, rest[1] ?? '', Number(rest[2]));
    return;
  }
  const n = Number(first ?? 2000);
  const rounds = Number(rest[0] ?? 3);
  const emulatorMain = fileURLToPath(new URL('../test/emulator/main.js', import.meta.url));
  const emulator = spawn(process.execPath, [emulatorMain, '--rate-limit', '100000000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve) => emulator.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url)));
  try {
    await fetch(`${base}/__emulator/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ integrations: [{ unique_key: KEY, provider: 'posthog' }] }),
    });
    let modes: Mode[] = ['fetch', 'node:http', 'undici', 'client'];
    const results = new Map<Mode, Array<{ cpuMs: number; wallMs: number }>>();
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const result = await spawnJson(['--child', mode, base, String(n)]);
        if (!result) {
          // undici (not a dependency) is measured only where it is installed.
          modes = modes.filter((m) => m !== mode);
          continue;
        }
        results.set(mode, [...(results.get(mode) ?? []), result]);
      }
    }
    const fetchCpu = median((results.get('fetch') ?? []).map((r) => r.cpuMs));
    process.stdout.write(`${n} requests, concurrency ${CONCURRENCY}, median of ${rounds} fresh processes each (Node ${process.version})\n`);
    process.stdout.write('| client | CPU per request | CPU vs fetch | wall time |\n|---|---:|---:|---:|\n');
    for (const [mode, runs] of results) {
      const cpu = median(runs.map((r) => r.cpuMs));
      const wall = median(runs.map((r) => r.wallMs));
      process.stdout.write(`| ${mode} | ${((cpu * 1000) / n).toFixed(0)} µs | ${(cpu / fetchCpu).toFixed(2)}× | ${wall.toFixed(0)} ms |\n`);
    }
  } finally {
    emulator.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

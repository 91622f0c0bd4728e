// Standalone emulator for the demo, benchmarks and anything outside vitest.
// Prints one JSON line {"url","secretKey"} once listening; stops on SIGTERM/SIGINT.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { parseSeedIntegrations } from './control.js';
import { DEFAULT_SECRET_KEY, startEmulator } from './server.js';
import type { EmulatorOptions } from './server.js';

function fail(message: string): never {
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(2);
}

function nonNegativeInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${flag} needs a non-negative integer`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      'rate-limit': { type: 'string' },
      'seed-file': { type: 'string' },
    },
    strict: true,
  });

  const options: EmulatorOptions = {};
  const port = nonNegativeInteger('port', values.port);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  const latency = nonNegativeInteger('latency', values.latency);
  if (latency !== undefined) options.latencyMs = latency;
  const rateLimit = nonNegativeInteger('rate-limit', values['rate-limit']);
  if (rateLimit !== undefined) options.rateLimitPerMinute = rateLimit;

  let seeds: ReturnType<typeof parseSeedIntegrations> = [];
  if (values['seed-file'] !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(values['seed-file'], 'utf8'));
    } catch (error) {
      fail(`cannot read --seed-file: ${error instanceof Error ? error.message : String(error)}`);
    }
    seeds = parseSeedIntegrations(parsed);
    if (typeof seeds === 'string') fail(`--seed-file: ${seeds}`);
  }

  const emulator = await startEmulator(options);
  emulator.seed(seeds);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  process.stdout.write(`${JSON.stringify({ url: emulator.url, secretKey: DEFAULT_SECRET_KEY })}\n`);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));

// The benchmark workload: N OAUTH2 (slack) integrations declared in YAML, and the same N as the emulator
// holds them, either already converged or with every display name still at the provider default.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Emulator, SeedIntegration } from '../test/emulator/server.js';

/** Files of this many integrations each, as a team splitting its config by area would have. */
const PER_FILE = 100;
const SCOPES = ['channels:read', 'chat:write'];
/** A fake secret: only ever sent to the in-process emulator. */
const CLIENT_SECRET = 'bench-client-secret-not-real';

export const uniqueKey = (i: number): string => `bench-slack-${String(i).padStart(5, '0')}`;
const displayName = (i: number): string => `Bench Slack ${i}`;
const clientId = (i: number): string => `bench-client-${i}`;

export interface Workload {
  n: number;
  /** The config directory (`-c`). */
  configDir: string;
  /** A dotenv file with the interpolated secret (`--env-file`). */
  envFile: string;
  /** A fingerprint state file path that is not the repository's (`--state`). */
  stateFile: string;
  /** Removes every file of the workload. */
  remove(): void;
}

function yamlFor(first: number, last: number): string {
  const lines = ['integrations:'];
  for (let i = first; i <= last; i++) {
    lines.push(
      `  - unique_key: ${uniqueKey(i)}`,
      '    provider: slack',
      `    display_name: ${displayName(i)}`,
      '    credentials:',
      '      type: OAUTH2',
      `      client_id: "${clientId(i)}"`,
      '      client_secret: ${BENCH_SLACK_CLIENT_SECRET}',
      `      scopes: [${SCOPES.join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function writeWorkload(n: number): Workload {
  const root = mkdtempSync(join(tmpdir(), `nango-gitops-bench-${n}-`));
  const configDir = join(root, 'nango');
  mkdirSync(configDir);
  for (let first = 1; first <= n; first += PER_FILE) {
    const last = Math.min(n, first + PER_FILE - 1);
    writeFileSync(join(configDir, `slack-${String(first).padStart(5, '0')}.yaml`), yamlFor(first, last));
  }
  const envFile = join(root, 'bench.env');
  writeFileSync(envFile, `BENCH_SLACK_CLIENT_SECRET=${CLIENT_SECRET}\n`);
  return { n, configDir, envFile, stateFile: join(root, 'state.json'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The N integrations as Nango holds them; `converged: false` leaves the provider's default display name. */
export function seedsFor(n: number, converged: boolean): SeedIntegration[] {
  const seeds: SeedIntegration[] = [];
  for (let i = 1; i <= n; i++) {
    seeds.push({
      unique_key: uniqueKey(i),
      provider: 'slack',
      ...(converged ? { display_name: displayName(i) } : {}),
      credentials: { type: 'OAUTH2', client_id: clientId(i), client_secret: CLIENT_SECRET, scopes: SCOPES.join(','), webhook_secret: null },
    });
  }
  return seeds;
}

export function seedEmulator(emu: Emulator, n: number, converged: boolean): void {
  emu.seed(seedsFor(n, converged));
}

// Issue 6: under 30% injected faults of every kind, repeated `apply` runs converge to exactly the desired
// state within 5 runs, and no run ever does something its plan did not announce.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ALL_FAULTS } from './faults.js';
import { buildScenario, deletedKeys, differences, FULL, safetyViolations, seedScenario, SMALL, type Scenario } from './scenario.js';

/** Per-request client timeout; hangs are held a bit longer, so each one costs the client one timeout. */
const TIMEOUT_MS = 300;
const MAX_RUNS = 5;
const READ_ONLY_KEY = '0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70';
const READ_SCOPES = [
  'environment:integrations:list',
  'environment:integrations:read',
  'environment:integrations:read_credentials',
  'environment:connections:list',
];

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    randomSeed: 6_2024,
    hangMs: TIMEOUT_MS + 200,
    rateLimitPerMinute: 100_000,
    keys: [
      { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
      { secretKey: READ_ONLY_KEY, environment: 'dev', scopes: READ_SCOPES },
    ],
  });
});
afterAll(async () => {
  await emu.close();
});

interface PlanJson {
  changes: Array<{ action: string; unique_key: string; result?: string; error?: string }>;
  summary: Record<string, number>;
}

function cli(scenario: Scenario, args: string[], secretKey = DEFAULT_SECRET_KEY): Promise<CliResult> {
  return runCli([...args, ...scenario.flags, '--state', scenario.statePath, '--timeout', String(TIMEOUT_MS)], {
    env: { NANGO_SECRET_KEY: secretKey, NANGO_HOST: emu.url, ...scenario.secrets },
    timeoutMs: 60_000,
  });
}

function parsePlan(stdout: string): PlanJson | undefined {
  try {
    return JSON.parse(stdout) as PlanJson;
  } catch {
    return undefined;
  }
}

function tally(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, n]) => `${label}=${n}`).join(' ');
}

const deletesOf = (plan: PlanJson | undefined): Set<string> =>
  new Set((plan?.changes ?? []).filter((c) => c.action === 'delete' || c.action === 'replace').map((c) => c.unique_key));

it('50+ integrations to create, update, rename and prune converge within 5 applies under 30% faults', { timeout: 90_000 }, async () => {
  emu.reset();
  const scenario = buildScenario(FULL);
  const seededIds = seedScenario(emu, scenario);

  const announced = await cli(scenario, ['plan', '--format', 'json']);
  expect(announced.code, announced.stderr).toBe(0);
  const plan = parsePlan(announced.stdout);
  expect(plan?.summary).toMatchObject({ create: 20, update: 20, rename: 10, delete: 10, replace: 0, unchanged: 5, unmanaged: 1 });
  expect(deletesOf(plan)).toEqual(scenario.deletable);
  emu.clearRequests();

  const started = Date.now();
  const runs: Array<{ code: number | null; requests: number; faulted: number; failed: number; kinds: string }> = [];
  let converged = false;
  while (runs.length < MAX_RUNS && !converged) {
    const from = emu.requests.length;
    emu.setFaults(ALL_FAULTS);
    const r = await cli(scenario, ['apply', '--format', 'json']);
    emu.setFaults(undefined);
    const during = emu.requests.slice(from);
    const result = parsePlan(r.stdout);
    // Under faults a run may fail (1), or be refused (3) when a connection count could not be read; never crash.
    expect([0, 1, 3], r.stderr).toContain(r.code);
    expect(r.stderr).not.toContain('internal error');
    // A run deletes only what its own plan announced (nothing at all when it printed no plan).
    for (const key of deletedKeys(during)) expect(deletesOf(result), `run ${runs.length + 1} deleted ${key}`).toContain(key);
    expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
    runs.push({
      code: r.code,
      requests: during.length,
      faulted: during.filter((q) => typeof q.status !== 'number' || q.status === 429 || q.status >= 500).length,
      kinds: tally(during.map((q) => `${q.method}:${q.status}`)),
      failed: (result?.changes ?? []).filter((c) => c.result === 'failed').length,
    });

    const check = await cli(scenario, ['plan', '--detailed-exitcode']);
    expect([0, 2], check.stderr).toContain(check.code);
    converged = check.code === 0;
  }

  const totalRequests = runs.reduce((n, r) => n + r.requests, 0);
  console.log(
    `faults: apply converged=${converged} after ${runs.length} run(s), ${totalRequests} API requests ` +
      `(${runs.map((r) => `exit ${r.code}: ${r.requests} requests, ${r.faulted} faulted, ${r.failed} changes failed [${r.kinds}]`).join('; ')}), ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  // The faults really happened, every kind of them, and some writes were applied with their answer lost.
  const seen = new Set(emu.requests.map((q) => q.status));
  for (const status of [500, 503, 429, 'reset', 'hang', 'lost-answer'] as const) expect(seen, `no ${status} injected`).toContain(status);
  expect(emu.requests.filter((q) => q.method !== 'GET' && q.status === 'lost-answer').length).toBeGreaterThan(0);
  expect(converged).toBe(true);
  expect(differences(emu, scenario, seededIds)).toEqual([]);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
});

it('when half of the writes lose their answer, one run still reaches the desired state, and only unanswered changes report failure', { timeout: 60_000 }, async () => {
  emu.reset();
  const scenario = buildScenario(FULL);
  const seededIds = seedScenario(emu, scenario);
  // Every write reaches the server: the first attempt always applies it, whatever happens to the answers.
  emu.setFaults({ rate: 0.5, kinds: ['lost-answer'], methods: ['POST', 'PATCH', 'DELETE'] });
  const r = await cli(scenario, ['apply', '--format', 'json']);
  emu.setFaults(undefined);
  expect([0, 1], r.stderr).toContain(r.code);
  const result = parsePlan(r.stdout);
  expect(result).toBeDefined();
  // A retry that finds its own earlier write done ("already exists", "not found") counts it as applied; a change
  // may fail only because no answer ever came back.
  const failed = (result?.changes ?? []).filter((c) => c.result !== 'applied');
  for (const c of failed) expect(c.error, `${c.action} ${c.unique_key}`).toMatch(/no answer from NANGO_HOST/);
  expect(differences(emu, scenario, seededIds)).toEqual([]);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
  const check = await cli(scenario, ['plan', '--detailed-exitcode']);
  expect(check.code, check.stdout).toBe(0);
  const lost = emu.requests.filter((q) => q.status === 'lost-answer').length;
  console.log(`faults: ${lost} write answers lost, ${failed.length} of ${result?.changes.length} changes reported failed, state converged in 1 run`);
});

it('while every write is refused, a run attempts nothing outside its plan, and the next run completes the plan', { timeout: 60_000 }, async () => {
  emu.reset();
  const scenario = buildScenario(SMALL);
  const seededIds = seedScenario(emu, scenario);
  // A key that may read everything but write nothing: every change fails at once (403 is not retried).
  const refused = await cli(scenario, ['apply', '--format', 'json'], READ_ONLY_KEY);
  expect(refused.code, refused.stderr).toBe(1);
  const result = parsePlan(refused.stdout);
  expect(result?.changes.length).toBe(SMALL.update + SMALL.rename + SMALL.delete + SMALL.create);
  expect(result?.changes.every((c) => c.result === 'failed')).toBe(true);
  expect(emu.writes()).toEqual([]);
  // A failed rename is not retried as a delete and a create; a failed change never leads to any other delete.
  expect(new Set(deletedKeys(emu.requests))).toEqual(scenario.deletable);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);

  const next = await cli(scenario, ['apply']);
  expect(next.code, next.stderr).toBe(0);
  expect(differences(emu, scenario, seededIds)).toEqual([]);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
});

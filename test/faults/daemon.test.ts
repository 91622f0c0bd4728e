// Issue 6, daemon side: under 30% faults the daemon converges on its own (no restart), and after a
// `kill -9` in the middle of a reconcile a new daemon converges without deleting beyond the plan.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededRandom } from '../emulator/faults.js';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { eventually, startDaemon, type DaemonProcess, type LogLine } from '../helpers/daemon.js';
import { ALL_FAULTS } from './faults.js';
import { sleep, waitUntil } from './process.js';
import { buildScenario, differences, FULL, safetyViolations, seedScenario, SMALL, type Scenario } from './scenario.js';

const TIMEOUT_MS = 300;
/** Fast, so that a reconcile that failed is followed soon by another (the retry backoff starts at 2 s anyway). */
const SCHEDULE = '*/2 * * * * *';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ randomSeed: 6_2025, hangMs: TIMEOUT_MS + 200, rateLimitPerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
});

function daemon(scenario: Scenario, extra: string[] = []): Promise<DaemonProcess> {
  return startDaemon({
    args: [...scenario.flags, '--state', scenario.statePath, '--timeout', String(TIMEOUT_MS), '--schedule', SCHEDULE, ...extra],
    env: { NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_HOST: emu.url, ...scenario.secrets },
  });
}

it('converges under 30% faults of every kind without a restart, then stays quiet', { timeout: 90_000 }, async () => {
  emu.reset();
  const scenario = buildScenario(FULL);
  const seededIds = seedScenario(emu, scenario);
  emu.setFaults(ALL_FAULTS);
  const started = Date.now();
  const d = await daemon(scenario);
  let exited = false;
  void d.exited.then(() => (exited = true));

  await eventually(() => (differences(emu, scenario, seededIds).length === 0 ? true : undefined), 60_000, 'the desired state');
  const convergedAt = Date.now();
  expect(exited, d.stderr()).toBe(false);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);

  // Still under faults: the next successful reconcile that starts after convergence finds nothing to do.
  const startedAt = (l: LogLine): number => l.time - Number(l.duration_ms);
  const quiet = await d.waitFor((l) => l.msg === 'reconcile' && l.result === 'success' && startedAt(l) > convergedAt, { timeoutMs: 30_000 });
  expect(quiet.summary).toMatchObject({ create: 0, update: 0, rename: 0, delete: 0, replace: 0 });
  expect(exited).toBe(false);
  expect(differences(emu, scenario, seededIds)).toEqual([]);
  expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
  // (A retry of a write whose answer was lost may land after convergence; the quiet reconcile's window may not hold one.)
  expect(emu.writes().filter((w) => w.at >= startedAt(quiet) && w.at <= quiet.time)).toEqual([]);

  // The reconciles it took: up to the first that found nothing to do.
  const all = d.reconciles();
  const idle = all.findIndex((l) => l.result === 'success' && changeCount(l) === 0);
  const working = all.slice(0, idle);
  console.log(
    `faults: daemon converged in ${((convergedAt - started) / 1000).toFixed(1)} s, one process, ` +
      `${working.length} reconcile(s) [${working.map((l) => `${String(l.trigger)}:${String(l.result)}`).join(', ')}], ` +
      `${working.reduce((n, l) => n + Number(l.requests), 0)} API requests`,
  );
  d.kill('SIGTERM');
  expect((await d.exited).code).toBe(0);
});

function changeCount(line: LogLine): number {
  const summary = (line.summary ?? {}) as Record<string, number>;
  return ['create', 'update', 'rename', 'delete', 'replace'].reduce((n, action) => n + (summary[action] ?? 0), 0);
}

const KILLS = 4;
const LATENCY_MS = 30;
const WRITES = SMALL.update + SMALL.rename + SMALL.delete + SMALL.create;

it('a daemon killed with SIGKILL in the middle of a reconcile: the next daemon converges, deletes stay within the plan', { timeout: 90_000 }, async () => {
  const random = seededRandom(4_242);
  const killedAfter: string[] = [];
  for (let i = 0; i < KILLS; i++) {
    emu.reset();
    const scenario = buildScenario(SMALL);
    const seededIds = seedScenario(emu, scenario);
    emu.setLatency(LATENCY_MS);
    // Among the writes, where a kill can leave a change half done (see kill.test.ts).
    const killAt = Math.floor(random() * WRITES);
    const first = await daemon(scenario, ['--concurrency', '3']);
    const reached = await waitUntil(() => emu.writes().length >= killAt && emu.requests.length > 0, first.exited);
    await sleep(Math.floor(random() * LATENCY_MS));
    first.kill('SIGKILL');
    expect(reached, first.stderr()).toBe(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    await sleep(LATENCY_MS * 3);
    killedAfter.push(`${emu.requests.length} (${emu.writes().length} writes)`);
    expect(safetyViolations(emu, scenario, seededIds), `after the kill at write ${killAt}`).toEqual([]);

    emu.setLatency(0);
    const next = await daemon(scenario);
    const [reconcile] = await next.waitForReconciles(1, 30_000);
    expect(reconcile, next.stdout()).toMatchObject({ trigger: 'start', result: 'success' });
    expect(differences(emu, scenario, seededIds)).toEqual([]);
    expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
    next.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  }
  console.log(`faults: daemon killed ${killedAfter.length} times, after ${killedAfter.join(', ')} requests; every next daemon converged on its first reconcile`);
});

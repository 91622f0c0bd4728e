// Issue 6: `kill -9` of apply in the middle of its work, at seeded random points. Whatever was cut off, the
// next run converges, and no run deletes anything the plan did not announce.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seededRandom } from '../emulator/faults.js';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { runCli } from '../helpers/cli.js';
import { spawnCli, sleep, waitUntil } from './process.js';
import { buildScenario, differences, safetyViolations, seedScenario, SMALL, type Scenario } from './scenario.js';

const KILLS = 10;
const LATENCY_MS = 30;
const WRITES = SMALL.update + SMALL.rename + SMALL.delete + SMALL.create;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ rateLimitPerMinute: 100_000 });
});
afterAll(async () => {
  await emu.close();
});

const env = (scenario: Scenario): Record<string, string> => ({ NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_HOST: emu.url, ...scenario.secrets });
const args = (scenario: Scenario, command: string[]): string[] => [...command, ...scenario.flags, '--state', scenario.statePath];

it('apply killed with SIGKILL at random points: the next apply converges and deletes stay within the plan', { timeout: 90_000 }, async () => {
  const random = seededRandom(9_001);
  const reference = await requestsOfOneApply();
  const killedAfter: string[] = [];

  for (let i = 0; i < KILLS; i++) {
    emu.reset();
    const scenario = buildScenario(SMALL);
    const seededIds = seedScenario(emu, scenario);
    emu.setLatency(LATENCY_MS);

    // Reads cannot do harm: the kill points are spread over the writes, where a kill can leave a change half done.
    const killAt = Math.floor(random() * WRITES);
    // Few requests in flight, so that the kill points do not bunch up at the ends of batches.
    const apply = spawnCli(args(scenario, ['apply', '--concurrency', '3']), env(scenario));
    const reached = await waitUntil(() => emu.writes().length >= killAt && emu.requests.length > 0, apply.closed);
    // A random extra wait puts the kill anywhere between two answers.
    await sleep(Math.floor(random() * LATENCY_MS));
    apply.child.kill('SIGKILL');
    const killed = await apply.closed;
    expect(reached, `apply ended before write ${killAt}: ${killed.stderr}`).toBe(true);
    expect(killed.signal).toBe('SIGKILL');
    // Requests already in the emulator's latency wait still land: let them, as a real server would.
    await sleep(LATENCY_MS * 3);
    killedAfter.push(`${emu.requests.length} (${emu.writes().length} writes)`);
    expect(safetyViolations(emu, scenario, seededIds), `after the kill at write ${killAt}`).toEqual([]);

    emu.setLatency(0);
    const next = await runCli(args(scenario, ['apply']), { env: env(scenario) });
    expect(next.code, `apply after the kill at write ${killAt}: ${next.stderr}`).toBe(0);
    const check = await runCli(args(scenario, ['plan', '--detailed-exitcode']), { env: env(scenario) });
    expect(check.code, check.stdout).toBe(0);
    expect(differences(emu, scenario, seededIds)).toEqual([]);
    expect(safetyViolations(emu, scenario, seededIds)).toEqual([]);
  }
  console.log(`faults: apply killed ${killedAfter.length} times, after ${killedAfter.join(', ')} of ${reference} requests (${WRITES} writes); every next apply converged`);
});

/** How many requests a whole apply of the scenario makes, for the report; checks the plan's deletes. */
async function requestsOfOneApply(): Promise<number> {
  emu.reset();
  const scenario = buildScenario(SMALL);
  const seededIds = seedScenario(emu, scenario);
  const plan = await runCli(args(scenario, ['plan', '--format', 'json']), { env: env(scenario) });
  expect(plan.code, plan.stderr).toBe(0);
  const { changes } = JSON.parse(plan.stdout) as { changes: Array<{ action: string; unique_key: string }> };
  expect(new Set(changes.filter((c) => c.action === 'delete').map((c) => c.unique_key))).toEqual(scenario.deletable);
  emu.clearRequests();
  const whole = await runCli(args(scenario, ['apply']), { env: env(scenario) });
  expect(whole.code, whole.stderr).toBe(0);
  expect(differences(emu, scenario, seededIds)).toEqual([]);
  return emu.requests.length;
}

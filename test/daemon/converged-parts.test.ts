// The parts of the converged-plan reuse that the process tests (converged.test.ts) cannot reach one by one.
import { describe, expect, it } from 'vitest';
import type { EnvironmentResult } from '../../src/config/types.js';
import { countingStore, createConvergedMemo, fingerprintWrites, sameJson, type PlanInputs } from '../../src/daemon/converged.js';
import type { ApiIntegration } from '../../src/nango/types.js';
import type { PlanOutcome } from '../../src/reconcile/plan-run.js';
import { openFingerprintStore } from '../../src/state/fingerprints.js';

const item = (key: string, extra: Record<string, unknown> = {}): ApiIntegration =>
  JSON.parse(JSON.stringify({ unique_key: key, provider: 'slack', display_name: key, updated_at: '2026-01-01T00:00:00.000Z', ...extra })) as ApiIntegration;

describe('sameJson (list answers compared value by value)', () => {
  it('is true only for the same values, in the same order', () => {
    expect(sameJson([item('a'), item('b')], [item('a'), item('b')])).toBe(true);
    expect(sameJson([item('a'), item('b')], [item('b'), item('a')])).toBe(false);
    expect(sameJson([item('a')], [item('a'), item('b')])).toBe(false);
    expect(sameJson([item('a')], [item('a', { display_name: 'A' })])).toBe(false);
    expect(sameJson([item('a')], [item('a', { updated_at: '2026-01-01T00:00:00.001Z' })])).toBe(false);
    // A field only one side has, even when null or nested.
    expect(sameJson([item('a')], [item('a', { logo: null })])).toBe(false);
    expect(sameJson(item('a', { c: { x: [1, 2] } }), item('a', { c: { x: [1, 2] } }))).toBe(true);
    expect(sameJson(item('a', { c: { x: [1, 2] } }), item('a', { c: { x: [1, 3] } }))).toBe(false);
    expect(sameJson(item('a', { c: {} }), item('a', { c: [] }))).toBe(false);
    expect(sameJson(item('a', { c: null }), item('a', { c: {} }))).toBe(false);
    expect(sameJson(item('a', { c: 1 }), item('a', { c: '1' }))).toBe(false);
    // Keys in another order: planned anew (reuse is an optimisation, never a guess).
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJson(JSON.parse('{"__proto__": 1}'), JSON.parse('{"__proto__": 2}'))).toBe(false);
  });
});

describe('the converged memo', () => {
  const outcome = { status: 'planned' } as Extract<PlanOutcome, { status: 'planned' }>;
  const inputs = (): PlanInputs => ({ loaded: {} as EnvironmentResult, remote: {}, flags: { protect: [], allowReplace: false, allowDeleteConnections: false, allowEmpty: false }, list: [item('a')], stateWrites: 0 });

  it('gives the outcome back only for the same inputs, and only to the next run', () => {
    const memo = createConvergedMemo();
    const kept = inputs();
    memo.keep(kept, outcome);
    const taken = memo.take({ ...kept, list: [item('a')] });
    expect(taken?.outcome).toBe(outcome);
    // The inputs first kept, not the equal ones just read.
    expect(taken?.inputs).toBe(kept);
    // Taken: a run that did not keep it again (it planned changes, failed) leaves nothing for the next.
    expect(memo.take({ ...kept })).toBeUndefined();
    for (const other of [{ loaded: {} as EnvironmentResult }, { remote: {} }, { flags: { ...kept.flags } }, { list: [item('b')] }, { stateWrites: 1 }]) {
      memo.keep(kept, outcome);
      expect(memo.take({ ...kept, ...other })).toBeUndefined();
    }
    // After a failed run.
    memo.keep(kept, outcome);
    memo.clear();
    expect(memo.take(kept)).toBeUndefined();
  });

  it('counts every write to the fingerprint state', async () => {
    const store = countingStore(await openFingerprintStore(undefined, 'key'));
    const before = fingerprintWrites();
    store.record('a', { 'credentials.client_secret': 'f' });
    store.forget('a');
    expect(fingerprintWrites()).toBe(before + 2);
    expect(store.get('a', 'credentials.client_secret')).toBeUndefined();
  });
});

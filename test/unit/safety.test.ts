import { describe, expect, it } from 'vitest';
import { buildPlan, planDigest } from '../../src/plan/plan.js';
import type { Change } from '../../src/plan/types.js';
import { applySafetyRules, type SafetyPolicy } from '../../src/safety/rules.js';

const policy = (p: Partial<SafetyPolicy> = {}): SafetyPolicy => ({ allowReplace: false, allowDeleteConnections: false, maxDeletes: 1, allowEmpty: false, protect: [], ...p });
const del = (key: string, connections: number | 'unknown' = 0): Change => ({ action: 'delete', unique_key: key, provider: 'slack', fields: [], connections });
const plan = (changes: Change[]) => buildPlan({ changes, unchanged: 0, unmanaged: [], notes: [], diagnostics: [] });

describe('safety rules', () => {
  it('refuses more deletes than max_deletes', () => {
    const p = applySafetyRules(plan([del('a'), del('b')]), policy(), { declared: 1 });
    expect(p.changes.every((c) => c.blocked?.includes('--max-deletes 1'))).toBe(true);
    const ok = applySafetyRules(plan([del('a'), del('b')]), policy({ maxDeletes: 2 }), { declared: 1 });
    expect(ok.changes.some((c) => c.blocked)).toBe(false);
  });

  it('blocks deletes of integrations with connections, or an unknown count', () => {
    const p = applySafetyRules(plan([del('a', 1204)]), policy(), { declared: 1 });
    expect(p.changes[0]?.blocked).toContain('1,204 connections');
    const unknown = applySafetyRules(plan([del('a', 'unknown')]), policy(), { declared: 1 });
    expect(unknown.changes[0]?.blocked).toContain('could not be counted');
    const allowed = applySafetyRules(plan([del('a', 5)]), policy({ allowDeleteConnections: true }), { declared: 1 });
    expect(allowed.changes[0]?.blocked).toBeUndefined();
  });

  it('refuses a prune of everything when the config is empty', () => {
    const p = applySafetyRules(plan([del('a')]), policy({ maxDeletes: 5 }), { declared: 0 });
    expect(p.changes[0]?.blocked).toContain('--allow-empty');
    expect(applySafetyRules(plan([del('a')]), policy({ allowEmpty: true }), { declared: 0 }).changes[0]?.blocked).toBeUndefined();
  });

  it('blocks replaces without --allow-replace and of protected keys always', () => {
    const replace: Change = { action: 'replace', unique_key: 'crm-prod', provider: 'salesforce', from_provider: 'hubspot', fields: [], connections: 0 };
    expect(applySafetyRules(plan([{ ...replace }]), policy(), { declared: 1 }).changes[0]?.blocked).toContain('--allow-replace');
    expect(applySafetyRules(plan([{ ...replace }]), policy({ allowReplace: true }), { declared: 1 }).changes[0]?.blocked).toBeUndefined();
    expect(applySafetyRules(plan([{ ...replace }]), policy({ allowReplace: true, protect: ['*-prod'] }), { declared: 1 }).changes[0]?.blocked).toContain('protected');
  });

  it('blocks renames of integrations with connections', () => {
    const rename: Change = { action: 'rename', unique_key: 'new', from_unique_key: 'old', provider: 'slack', fields: [], connections: 3 };
    expect(applySafetyRules(plan([rename]), policy(), { declared: 1 }).changes[0]?.blocked).toContain('keep unique_key "old"');
  });

  it("the plan's digest, taken when first read, is the one of the plan as built: verdicts and results stay outside it", () => {
    const changes = (): Change[] => [del('a', 3), del('b')];
    const early = plan(changes());
    const digest = early.digest;
    expect(digest).toBe(planDigest({ changes: changes(), unmanaged: [] }));
    const late = applySafetyRules(plan(changes()), policy(), { declared: 0 });
    expect(late.changes.every((c) => c.blocked !== undefined)).toBe(true);
    late.changes[0]!.result = 'failed';
    late.changes[0]!.error = 'HTTP 500';
    expect(late.digest).toBe(digest);
    // Read once, kept: the JSON output and a plan file show the same digest.
    expect(JSON.parse(JSON.stringify(late)).digest).toBe(digest);
    expect({ ...late }.digest).toBe(digest);
  });
});


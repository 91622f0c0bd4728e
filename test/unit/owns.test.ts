// settings.owns / --owns: a config that owns only some keys never deletes, replaces or renames the others.
import { describe, expect, it } from 'vitest';
import { diffIntegrations } from '../../src/plan/diff.js';
import { buildPlan } from '../../src/plan/plan.js';
import type { Change } from '../../src/plan/types.js';
import { resolvePolicy, type PolicyFlags } from '../../src/reconcile/policy.js';
import { applySafetyRules, type SafetyPolicy } from '../../src/safety/rules.js';
import { context, live, state } from '../helpers/model.js';

const policy = (p: Partial<SafetyPolicy> = {}): SafetyPolicy => ({ allowReplace: true, allowDeleteConnections: true, maxDeletes: 10, allowEmpty: true, protect: [], ...p });
const plan = (changes: Change[]) => buildPlan({ changes, unchanged: 0, unmanaged: [], notes: [], diagnostics: [] });
const flags = (p: Partial<PolicyFlags> = {}): PolicyFlags => ({ protect: [], allowReplace: false, allowDeleteConnections: false, allowEmpty: false, ...p });

describe('owns', () => {
  it('with prune, deletes only owned keys; the others are reported unmanaged', () => {
    const have = { integrations: ['team-a-slack', 'team-b-slack', 'other'].map((k) => live({ unique_key: k, provider: 'posthog' })) };
    const d = diffIntegrations(state([]), have, { prune: true, protect: [], owns: ['team-a-*'] }, context());
    expect(d.changes.map((c) => `${c.action} ${c.unique_key}`)).toEqual(['delete team-a-slack']);
    expect(d.unmanaged).toEqual(['other', 'team-b-slack']);
    // No owns (or an empty list): every key is ours, as before.
    for (const owns of [undefined, []]) {
      expect(diffIntegrations(state([]), have, { prune: true, protect: [], ...(owns ? { owns } : {}) }, context()).changes).toHaveLength(3);
    }
  });

  it('refuses replacing a key it does not own, or renaming one', () => {
    const replace: Change = { action: 'replace', unique_key: 'crm', provider: 'salesforce', from_provider: 'hubspot', fields: [], connections: 0 };
    const rename: Change = { action: 'rename', unique_key: 'team-a-crm', from_unique_key: 'crm', provider: 'hubspot', fields: [], connections: 0 };
    const refused = applySafetyRules(plan([{ ...replace }, { ...rename }]), policy({ owns: ['team-a-*'] }), { declared: 1 });
    expect(refused.changes.map((c) => c.blocked)).toEqual([
      expect.stringContaining('"crm" is not owned by this config (owns: "team-a-*"): it is never replaced'),
      expect.stringContaining('"crm" is not owned by this config (owns: "team-a-*"): it is never renamed'),
    ]);
    const ours = applySafetyRules(plan([{ ...replace }, { ...rename }]), policy({ owns: ['crm', 'team-a-*'] }), { declared: 1 });
    expect(ours.changes.map((c) => c.blocked)).toEqual([undefined, undefined]);
    // Creates and updates of declared keys are the config's business, owned or not.
    const update: Change = { action: 'update', unique_key: 'other', provider: 'slack', fields: [{ path: 'display_name', before: 'a', after: 'b' }] };
    expect(applySafetyRules(plan([update]), policy({ owns: ['team-a-*'] }), { declared: 1 }).changes[0]?.blocked).toBeUndefined();
  });

  it('reaches the policy from settings, and a flag overrides it', () => {
    expect(resolvePolicy(flags(), { owns: ['team-a-*'] }).owns).toEqual(['team-a-*']);
    expect(resolvePolicy(flags({ owns: ['team-b-*'] }), { owns: ['team-a-*'] }).owns).toEqual(['team-b-*']);
    expect(resolvePolicy(flags({ owns: [] }), {}).owns).toEqual([]);
  });
});

// The pure part of --target: which declared and remote keys are planned, which are skipped, which
// targets match nothing. A rename is inside when either of its keys matches.
import { describe, expect, it } from 'vitest';
import { diffIntegrations } from '../../src/plan/diff.js';
import { applyTargetScope, targetScope } from '../../src/plan/target.js';
import { context, desired, live, state } from '../helpers/model.js';

const declared = [
  desired({ unique_key: 'slack-a', provider: 'slack' }),
  desired({ unique_key: 'analytics-new', provider: 'posthog', renamed_from: 'analytics' }),
  desired({ unique_key: 'github', provider: 'github' }),
];
const remote = { integrations: ['slack-a', 'analytics', 'old-x', 'slack-old'].map((k) => live({ unique_key: k, provider: k.startsWith('slack') ? 'slack' : 'posthog' })) };

function targeted(targets: string[]) {
  const scope = targetScope(declared, targets);
  const result = applyTargetScope(scope, declared, remote, targets);
  const diff = diffIntegrations(state(scope.desired), result.live, { prune: true, protect: [] }, context());
  return { ...result, changes: diff.changes.map((c) => `${c.action} ${c.from_unique_key ?? ''}${c.from_unique_key ? '→' : ''}${c.unique_key}`) };
}

describe('targetScope', () => {
  it('plans only matching keys; a prune reaches only matching remote keys; the rest is skipped, sorted, once each', () => {
    const r = targeted(['slack-*']);
    expect(r.changes).toEqual(['delete slack-old']);
    expect(r.skipped).toEqual(['analytics', 'analytics-new', 'github', 'old-x']);
    expect(r.unmatched).toEqual([]);
  });

  it.each([['analytics'], ['analytics-new'], ['analytics*']])('a rename is inside when either key matches (%s)', (target) => {
    const r = targeted([target]);
    expect(r.changes).toEqual(['rename analytics→analytics-new']);
    expect(r.skipped).toEqual(['github', 'old-x', 'slack-a', 'slack-old']);
  });

  it('reports each target that matches no declared key, renamed_from or remote key', () => {
    expect(targeted(['slak*', 'old-?', 'analytics', 'nope']).unmatched).toEqual(['slak*', 'nope']);
  });
});

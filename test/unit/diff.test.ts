import { describe, expect, it } from 'vitest';
import { diffIntegrations } from '../../src/plan/diff.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { context, desired, live, state } from '../helpers/model.js';

const noPrune = { prune: false, protect: [] };
const oauth = (secret = 's3cret', scopes = ['a', 'b']) => ({ type: 'OAUTH2' as const, client_id: 'id', client_secret: secret, scopes });
const liveOauth = (secret = 's3cret', scopes: string | null = 'b,a') => ({ type: 'OAUTH2' as const, client_id: 'id', client_secret: secret, scopes, webhook_secret: null });

describe('diffIntegrations', () => {
  it('a state diffed with itself is empty', () => {
    const want = state([desired({ unique_key: 'k', provider: 'slack', display_name: 'K', forward_webhooks: false, credentials: oauth() })]);
    const have = { integrations: [live({ unique_key: 'k', provider: 'slack', display_name: 'K', forward_webhooks: false, credentials: liveOauth() })] };
    const d = diffIntegrations(want, have, noPrune, context());
    expect(d.changes).toEqual([]);
    expect(d.unchanged).toBe(1);
  });

  it('ignores fields the config does not manage', () => {
    const want = state([desired({ unique_key: 'k', provider: 'posthog' })]);
    const have = { integrations: [live({ unique_key: 'k', provider: 'posthog', display_name: 'Anything', forward_webhooks: false })] };
    expect(diffIntegrations(want, have, noPrune, context()).changes).toEqual([]);
  });

  it('shows changed sensitive values without their values', () => {
    const want = state([desired({ unique_key: 'k', provider: 'slack', credentials: oauth('new-secret') })]);
    const have = { integrations: [live({ unique_key: 'k', provider: 'slack', credentials: liveOauth('old-secret') })] };
    const [change] = diffIntegrations(want, have, noPrune, context()).changes;
    expect(change?.action).toBe('update');
    expect(change?.fields).toHaveLength(1);
    const field = change?.fields[0];
    expect(field?.path).toBe('credentials.client_secret');
    expect(field?.sensitive).toBe(true);
    expect(JSON.stringify(change)).not.toMatch(/new-secret|old-secret/);
  });

  it('marks interpolated values sensitive wherever they land', () => {
    const want = state([desired({ unique_key: 'k', provider: 'posthog', display_name: 'from-env' }, ['display_name'])]);
    const have = { integrations: [live({ unique_key: 'k', provider: 'posthog', display_name: 'old' })] };
    const [change] = diffIntegrations(want, have, noPrune, context()).changes;
    expect(change?.fields).toEqual([{ path: 'display_name', sensitive: true, after_fingerprint: expect.any(String) }]);
  });

  it('treats scope order and duplicates as equal, and an empty list as managed', () => {
    const same = diffIntegrations(state([desired({ unique_key: 'k', provider: 'slack', credentials: oauth('s', ['b', 'a']) })]), { integrations: [live({ unique_key: 'k', provider: 'slack', credentials: liveOauth('s', 'a,b') })] }, noPrune, context());
    expect(same.changes).toEqual([]);
    const cleared = diffIntegrations(state([desired({ unique_key: 'k', provider: 'slack', credentials: oauth('s', []) })]), { integrations: [live({ unique_key: 'k', provider: 'slack', credentials: liveOauth('s', 'a,b') })] }, noPrune, context());
    expect(cleared.changes[0]?.fields).toEqual([{ path: 'credentials.scopes', before: ['a', 'b'], after: [] }]);
  });

  it('plans a rename when only the old key exists, and nothing once it is done', () => {
    const want = state([desired({ unique_key: 'new', renamed_from: 'old', provider: 'posthog' })]);
    const pending = diffIntegrations(want, { integrations: [live({ unique_key: 'old', provider: 'posthog' })] }, { prune: true, protect: [] }, context());
    expect(pending.changes).toEqual([{ action: 'rename', unique_key: 'new', from_unique_key: 'old', provider: 'posthog', fields: [] }]);
    const done = diffIntegrations(want, { integrations: [live({ unique_key: 'new', provider: 'posthog' })] }, { prune: true, protect: [] }, context());
    expect(done.changes).toEqual([]);
    const both = diffIntegrations(want, { integrations: [live({ unique_key: 'new', provider: 'posthog' }), live({ unique_key: 'old', provider: 'posthog' })] }, noPrune, context());
    expect(both.diagnostics[0]?.message).toMatch(/both "old" and "new" exist/);
  });

  it('plans a replace for a provider change', () => {
    const d = diffIntegrations(state([desired({ unique_key: 'k', provider: 'salesforce' })]), { integrations: [live({ unique_key: 'k', provider: 'hubspot' })] }, noPrune, context());
    expect(d.changes[0]).toMatchObject({ action: 'replace', from_provider: 'hubspot', provider: 'salesforce' });
  });

  it('deletes undeclared integrations only with prune, never protected ones', () => {
    const have = { integrations: [live({ unique_key: 'a-prod', provider: 'slack' }), live({ unique_key: 'b', provider: 'slack' })] };
    expect(diffIntegrations(state([]), have, noPrune, context()).unmanaged).toEqual(['a-prod', 'b']);
    const pruned = diffIntegrations(state([]), have, { prune: true, protect: ['*-prod'] }, context());
    expect(pruned.changes.map((c) => `${c.action} ${c.unique_key}`)).toEqual(['delete b']);
    expect(pruned.unmanaged).toEqual(['a-prod']);
  });

  it('refuses to plan a create the API would reject for missing credentials', () => {
    const d = diffIntegrations(state([desired({ unique_key: 'k', provider: 'slack' })]), { integrations: [] }, noPrune, context());
    expect(d.diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/needs credentials/) });
  });

  it('uses fingerprints when credentials cannot be read', () => {
    const fp = createFingerprinter('test-secret-key');
    const want = state([desired({ unique_key: 'k', provider: 'slack', credentials: oauth('rotated') })]);
    const have = { integrations: [live({ unique_key: 'k', provider: 'slack', credentials: 'unreadable' })] };
    const none = diffIntegrations(want, have, noPrune, context());
    expect(none.changes).toEqual([]);
    expect(none.notes[0]?.message).toMatch(/cannot be read: drift not detectable/);

    const recorded: Record<string, string> = {};
    for (const [path, value] of Object.entries({ 'credentials.type': 'OAUTH2', 'credentials.client_id': 'id', 'credentials.client_secret': 's3cret', 'credentials.scopes': ['a', 'b'] })) {
      recorded[`k ${path}`] = fp('k', path, value);
    }
    const rotated = diffIntegrations(want, have, noPrune, context(recorded));
    expect(rotated.changes[0]?.fields).toEqual([{ path: 'credentials.client_secret', sensitive: true, after_fingerprint: expect.any(String), note: 'changed since last apply' }]);
    const unchanged = diffIntegrations(state([desired({ unique_key: 'k', provider: 'slack', credentials: oauth() })]), have, noPrune, context(recorded));
    expect(unchanged.changes).toEqual([]);
    expect(unchanged.notes).toEqual([]);
  });
});

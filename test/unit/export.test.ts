import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { credentialsTypeFor, getProvider, loadDesiredState } from '../../src/config/index.js';
import type { CredentialsType } from '../../src/config/types.js';
import { exportIntegrations, type ExportOptions } from '../../src/export/documents.js';
import { renderEnvExample, renderVariableList } from '../../src/export/env-example.js';
import { createFileNamer, sanitiseFileStem } from '../../src/export/file-names.js';
import { createVariableNamer, variableName } from '../../src/export/variables.js';
import type { LiveIntegration } from '../../src/nango/types.js';
import { diffIntegrations } from '../../src/plan/diff.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { PEM, tempConfig } from '../helpers/cli.js';
import { live } from '../helpers/model.js';

const options = (extra: Partial<ExportOptions> = {}): ExportOptions => ({
  split: false,
  schemaRef: '../schemas/nango-gitops.schema.json',
  credentialsTypeOf: (provider: string): CredentialsType | undefined => {
    const mode = getProvider(provider)?.auth_mode;
    return mode === undefined ? undefined : credentialsTypeFor(mode);
  },
  ...extra,
});

const SLACK_SECRET = 'slack-client-secret-0f9e';
const SLACK_WEBHOOK = 'slack-signing-secret-77ab';
const APP_KEY = PEM;
const CUSTOM_SECRET = 'custom-client-secret-c3d1';

const SAMPLE: LiveIntegration[] = [
  live({
    unique_key: 'slack-production',
    provider: 'slack',
    display_name: 'Slack (Production)',
    forward_webhooks: false,
    credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: SLACK_SECRET, scopes: 'chat:write,channels:read', webhook_secret: SLACK_WEBHOOK },
  }),
  live({ unique_key: 'github-app', provider: 'github-app', display_name: 'GitHub App', credentials: { type: 'APP', app_id: '123456', app_link: 'https://github.com/apps/acme', private_key: APP_KEY } }),
  live({
    unique_key: 'github-oauth',
    provider: 'github-app-oauth',
    display_name: 'GitHub (App OAuth)',
    credentials: { type: 'CUSTOM', client_id: 'Iv1.abc', client_secret: CUSTOM_SECRET, app_id: '42', app_link: 'https://github.com/apps/acme', private_key: APP_KEY },
  }),
  live({ unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', credentials: null }),
];

/** The live values each variable stands for, as a user would set them. */
function valuesFor(result: ReturnType<typeof exportIntegrations>, integrations: readonly LiveIntegration[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of result.variables) {
    const creds = integrations.find((i) => i.unique_key === v.unique_key)?.credentials as unknown as Record<string, unknown>;
    const field = v.path.replace(/^credentials\./, '');
    env[v.name] = String(creds[field]);
  }
  return env;
}

/** Writes the documents, loads them as plan does and diffs them against the live state they came from. */
async function converges(integrations: LiveIntegration[], split: boolean): Promise<void> {
  const result = exportIntegrations(integrations, options({ split }));
  const dir = tempConfig(Object.fromEntries(result.documents.map((d) => [d.name, d.content])));
  try {
    const loaded = await loadDesiredState({ paths: [dir], env: valuesFor(result, integrations), cwd: dir });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const state = loaded.state;
    if (!state) throw new Error('no state');
    const diff = diffIntegrations(state, { integrations }, { prune: true, protect: [] }, {
      fingerprint: createFingerprinter('k'),
      recordedFingerprint: () => undefined,
      requiresCredentials: () => false,
    });
    expect(diff.diagnostics).toEqual([]);
    expect(diff.changes).toEqual([]);
    expect(diff.unchanged).toBe(integrations.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('variable names', () => {
  it('derives readable names from the key and the field', () => {
    expect(variableName('slack-production', 'client_secret')).toBe('SLACK_PRODUCTION_CLIENT_SECRET');
    expect(variableName('my app@eu.v2', 'private_key')).toBe('MY_APP_EU_V2_PRIVATE_KEY');
    expect(variableName('1password', 'client_secret')).toBe('_1PASSWORD_CLIENT_SECRET');
  });

  it('de-duplicates keys that only differ in punctuation or case', () => {
    const name = createVariableNamer();
    expect(name('slack-prod', 'client_secret')).toBe('SLACK_PROD_CLIENT_SECRET');
    expect(name('slack.prod', 'client_secret')).toBe('SLACK_PROD_CLIENT_SECRET_2');
    expect(name('Slack_Prod', 'client_secret')).toBe('SLACK_PROD_CLIENT_SECRET_3');
    expect(name('slack.prod', 'webhook_secret')).toBe('SLACK_PROD_WEBHOOK_SECRET');
  });
});

describe('split file names', () => {
  it('sanitises keys and never produces a hidden file', () => {
    expect(sanitiseFileStem('slack-production')).toBe('slack-production');
    expect(sanitiseFileStem('a b:c~d@e')).toBe('a_b_c_d_e');
    expect(sanitiseFileStem('.hidden')).toBe('_hidden');
  });

  it('is unique on case-insensitive file systems', () => {
    const name = createFileNamer();
    expect([name('Slack'), name('slack'), name('slack-2'), name('a b'), name('a:b')]).toEqual(['Slack.yaml', 'slack-2.yaml', 'slack-2-2.yaml', 'a_b.yaml', 'a_b-2.yaml']);
  });
});

describe('exportIntegrations', () => {
  it('writes secrets as references, other values literally, and nothing secret', () => {
    const result = exportIntegrations(SAMPLE, options());
    expect(result.documents).toHaveLength(1);
    const [doc] = result.documents;
    if (!doc) throw new Error('no document');
    expect(doc.name).toBe('integrations.yaml');
    expect(doc.content.startsWith('# yaml-language-server: $schema=../schemas/nango-gitops.schema.json\n')).toBe(true);
    for (const secret of [SLACK_SECRET, SLACK_WEBHOOK, CUSTOM_SECRET, 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu']) {
      expect(doc.content).not.toContain(secret);
    }
    const parsed = parse(doc.content) as { integrations: Array<Record<string, unknown>> };
    expect(parsed.integrations.map((i) => i['unique_key'])).toEqual(['github-app', 'github-oauth', 'posthog', 'slack-production']);
    expect(parsed.integrations[3]).toEqual({
      unique_key: 'slack-production',
      provider: 'slack',
      display_name: 'Slack (Production)',
      forward_webhooks: false,
      credentials: {
        type: 'OAUTH2',
        client_id: '123.456',
        client_secret: '${SLACK_PRODUCTION_CLIENT_SECRET}',
        scopes: ['chat:write', 'channels:read'],
        webhook_secret: '${SLACK_PRODUCTION_WEBHOOK_SECRET}',
      },
    });
    expect(parsed.integrations[0]?.['credentials']).toEqual({ type: 'APP', app_id: '123456', app_link: 'https://github.com/apps/acme', private_key: '${GITHUB_APP_PRIVATE_KEY}' });
    expect(parsed.integrations[2]).toEqual({ unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', forward_webhooks: true });
    expect(doc.content).toContain('scopes: [chat:write, channels:read]');
    expect(result.variables.map((v) => v.name)).toEqual([
      'GITHUB_APP_PRIVATE_KEY',
      'GITHUB_OAUTH_CLIENT_SECRET',
      'GITHUB_OAUTH_PRIVATE_KEY',
      'SLACK_PRODUCTION_CLIENT_SECRET',
      'SLACK_PRODUCTION_WEBHOOK_SECRET',
    ]);
    expect(result.variables.every((v) => v.secret)).toBe(true);
    expect(result.notes).toEqual([]);
  });

  it('escapes "$" in literal values so interpolation gives them back unchanged', async () => {
    const tricky = [live({ unique_key: 'posthog', provider: 'posthog', display_name: 'Cost $5 ${HOME} $$', credentials: null })];
    const [doc] = exportIntegrations(tricky, options()).documents;
    expect(doc?.content).toContain('Cost $$5 $${HOME} $$$$');
    await converges(tricky, false);
  });

  it('leaves out scopes and webhook_secret that Nango does not hold', () => {
    const result = exportIntegrations([live({ unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'id', client_secret: 's3cr3t', scopes: null, webhook_secret: null } as never })], options());
    const parsed = parse(result.documents[0]?.content ?? '') as { integrations: Array<{ credentials: Record<string, unknown> }> };
    expect(parsed.integrations[0]?.credentials).toEqual({ type: 'OAUTH2', client_id: 'id', client_secret: '${SLACK_CLIENT_SECRET}' });
  });

  it('writes references for every required field when credentials are unreadable, and says so', () => {
    const result = exportIntegrations(
      [
        live({ unique_key: 'slack', provider: 'slack', credentials: 'unreadable' }),
        live({ unique_key: 'gh', provider: 'github-app-oauth', credentials: 'unreadable' }),
        live({ unique_key: 'posthog', provider: 'posthog', credentials: 'unreadable' }),
      ],
      options(),
    );
    const parsed = parse(result.documents[0]?.content ?? '') as { integrations: Array<{ unique_key: string; credentials?: Record<string, unknown> }> };
    const byKey = new Map(parsed.integrations.map((i) => [i.unique_key, i.credentials]));
    expect(byKey.get('slack')).toEqual({ type: 'OAUTH2', client_id: '${SLACK_CLIENT_ID}', client_secret: '${SLACK_CLIENT_SECRET}' });
    expect(byKey.get('gh')).toEqual({ type: 'CUSTOM', client_id: '${GH_CLIENT_ID}', client_secret: '${GH_CLIENT_SECRET}', app_id: '${GH_APP_ID}', app_link: '${GH_APP_LINK}', private_key: '${GH_PRIVATE_KEY}' });
    expect(byKey.get('posthog')).toBeUndefined();
    expect(result.variables.find((v) => v.name === 'SLACK_CLIENT_ID')?.secret).toBe(false);
    expect(result.notes.map((n) => n.unique_key)).toEqual(['gh', 'slack']);
    expect(result.notes[0]?.message).toMatch(/could not be read/);
  });

  it('splits into one sanitised file per integration, each with the schema comment', () => {
    const result = exportIntegrations([...SAMPLE, live({ unique_key: 'odd key:1', provider: 'posthog', credentials: null })], options({ split: true }));
    expect(result.documents.map((d) => d.name)).toEqual(['github-app.yaml', 'github-oauth.yaml', 'odd_key_1.yaml', 'posthog.yaml', 'slack-production.yaml']);
    for (const d of result.documents) {
      expect(d.content).toMatch(/^# yaml-language-server: \$schema=/);
      expect((parse(d.content) as { integrations: unknown[] }).integrations).toHaveLength(1);
    }
  });

  it('round-trips: the exported config, with the variables set, diffs as converged', async () => {
    await converges(SAMPLE, false);
    await converges(SAMPLE, true);
  });

  it('round-trips arbitrary live states', async () => {
    const keyChar = fc.constantFrom(...'abcXYZ019~:.@ _-'.split(''));
    // A key with a space at either end cannot be managed (the schema refuses it): validate names it.
    const key = fc.string({ unit: keyChar, minLength: 1, maxLength: 12 }).filter((k) => k.trim() === k);
    const text = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }));
    const scopes = fc.option(fc.array(fc.stringMatching(/^[0-9a-zA-Z:/_.*-]{1,10}$/), { maxLength: 4 }).map((s) => s.join(',')));
    const oauth = fc.record({ type: fc.constant('OAUTH2'), client_id: text, client_secret: text, scopes, webhook_secret: fc.option(fc.string({ maxLength: 20 })) });
    const app = fc.record({ type: fc.constant('APP'), app_id: text, app_link: text, private_key: fc.constant(PEM) });
    const custom = fc.record({ type: fc.constant('CUSTOM'), client_id: text, client_secret: text, app_id: text, app_link: text, private_key: fc.constant(PEM) });
    const integration = fc.oneof(
      fc.record({ provider: fc.constant('slack'), credentials: oauth }),
      fc.record({ provider: fc.constant('github-app'), credentials: app }),
      fc.record({ provider: fc.constant('github-app-oauth'), credentials: custom }),
      fc.record({ provider: fc.constant('posthog'), credentials: fc.constant(null) }),
    );
    const entry = fc.record({ key, display_name: text, forward_webhooks: fc.boolean(), integration });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entry, { selector: (e) => e.key, minLength: 1, maxLength: 5 }), fc.boolean(), async (entries, split) => {
        const integrations = entries.map((e) =>
          live({
            unique_key: e.key,
            provider: e.integration.provider,
            display_name: e.display_name,
            forward_webhooks: e.forward_webhooks,
            credentials: e.integration.credentials as LiveIntegration['credentials'],
          }),
        );
        await converges(integrations, split);
      }),
      { numRuns: 60 },
    );
  });
});

describe('variable lists', () => {
  const result = exportIntegrations(SAMPLE, options());

  it('.env.example names every variable with no value', () => {
    const text = renderEnvExample(result.variables);
    const parsed = parseEnv(text);
    expect(Object.keys(parsed)).toEqual(result.variables.map((v) => v.name));
    expect(Object.values(parsed).every((v) => v === '')).toBe(true);
    expect(text).toContain('# slack-production: credentials.client_secret (secret)');
  });

  it('the terminal list shows names and fields, never values', () => {
    const text = renderVariableList(result.variables);
    expect(text).toContain('SLACK_PRODUCTION_CLIENT_SECRET');
    expect(text).toContain('slack-production: credentials.client_secret');
    expect(text).not.toContain(SLACK_SECRET);
  });

  it('a .env.example written next to the config is not read as config', async () => {
    const dir = tempConfig({ 'integrations.yaml': result.documents[0]?.content ?? '' });
    writeFileSync(join(dir, '.env.example'), renderEnvExample(result.variables));
    const loaded = await loadDesiredState({ paths: [dir], env: valuesFor(result, SAMPLE), cwd: dir });
    expect(loaded.state?.files).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});

// exportEnvironments: several environments' live integrations → one config that every environment's view
// (config/environment-view.ts) reads back as exactly its own live state.
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, Pair, parse } from 'yaml';
import { credentialsTypeFor, getProvider, loadConfig, resolveEnvironment } from '../../src/config/index.js';
import type { CredentialsType } from '../../src/config/types.js';
import { renderEnvExample } from '../../src/export/env-example.js';
import { exportEnvironments, type EnvironmentIntegrations, type EnvironmentsExportOptions } from '../../src/export/environments.js';
import type { LiveIntegration } from '../../src/nango/types.js';
import { createPacerPool } from '../../src/nango/pacers.js';
import { diffIntegrations } from '../../src/plan/diff.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { PEM, tempConfig } from '../helpers/cli.js';
import { live } from '../helpers/model.js';

function head(names: readonly string[]): Pair[] {
  const doc = new Document();
  const block = Object.fromEntries(names.map((n) => [n, { secret_key: `\${NANGO_SECRET_KEY_${n.toUpperCase()}}` }]));
  return [new Pair(doc.createNode('settings'), doc.createNode({ prune: false })), new Pair(doc.createNode('environments'), doc.createNode(block))];
}

function options(names: readonly string[], extra: Partial<EnvironmentsExportOptions> = {}): EnvironmentsExportOptions {
  return {
    split: false,
    schemaRef: '../schemas/nango-gitops.schema.json',
    credentialsTypeOf: (provider: string): CredentialsType | undefined => {
      const mode = getProvider(provider)?.auth_mode;
      return mode === undefined ? undefined : credentialsTypeFor(mode);
    },
    head: head(names),
    headFile: 'environments.yaml',
    environments: { names: [...names], variables: names.map((n) => ({ name: `NANGO_SECRET_KEY_${n.toUpperCase()}`, environment: n, field: 'secret_key', optional: false })) },
    ...extra,
  };
}

type Result = ReturnType<typeof exportEnvironments>;

/** The value each variable stands for; a variable several environments read must hold one value in all of them. */
function valuesFor(result: Result, envs: readonly EnvironmentIntegrations[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of result.variables) {
    const field = v.path.replace(/^credentials\./, '');
    const values = (v.environments ?? []).map((name) => {
      const creds = envs.find((e) => e.name === name)?.integrations.find((i) => i.unique_key === v.unique_key)?.credentials as unknown as Record<string, unknown> | undefined;
      return creds?.[field];
    });
    expect(values.length, v.name).toBeGreaterThan(0);
    expect(new Set(values).size, `${v.name} stands for one value`).toBe(1);
    out[v.name] = String(values[0]);
  }
  return out;
}

/** Loads the export as plan does and diffs each environment's view against that environment's live state. */
async function converges(envs: EnvironmentIntegrations[], extra: Partial<EnvironmentsExportOptions> = {}): Promise<Result> {
  const names = envs.map((e) => e.name);
  const result = exportEnvironments(envs, options(names, extra));
  const dir = tempConfig(Object.fromEntries(result.documents.map((d) => [d.name, d.content])));
  try {
    const config = await loadConfig({ paths: [dir], env: valuesFor(result, envs), cwd: dir });
    const left = new Set(result.notes.filter((n) => n.message.startsWith('left out')).map((n) => `${n.environment} ${n.unique_key}`));
    for (const e of envs) {
      const resolved = await resolveEnvironment(config, e.name);
      expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const state = resolved.state;
      if (!state) throw new Error(`no state for ${e.name}`);
      const diff = diffIntegrations(state, { integrations: [...e.integrations] }, { prune: false, protect: [] }, {
        fingerprint: createFingerprinter('k'),
        recordedFingerprint: () => undefined,
        requiresCredentials: () => false,
      });
      expect(diff.diagnostics).toEqual([]);
      expect(diff.changes, e.name).toEqual([]);
      // Everything is declared, except what could not be (a provider other environments do not share).
      expect(state.integrations.map((i) => i.unique_key).sort()).toEqual(e.integrations.map((i) => i.unique_key).filter((k) => !left.has(`${e.name} ${k}`)).sort());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

const slack = (name: string, creds: Record<string, unknown>, extra: Partial<LiveIntegration> = {}): LiveIntegration =>
  live({ unique_key: name, provider: 'slack', display_name: 'Slack', credentials: { type: 'OAUTH2', client_id: 'id', client_secret: 's', scopes: 'a', webhook_secret: null, ...creds } as never, ...extra });

describe('exportEnvironments', () => {
  it('writes what is equal once and what differs per environment; secrets equal everywhere share one variable', async () => {
    const envs = [
      { name: 'dev', integrations: [slack('slack', { client_secret: 'dev-secret' }), slack('same', {}), live({ unique_key: 'posthog', provider: 'posthog', credentials: null })] },
      { name: 'prod', integrations: [slack('slack', { client_secret: 'prod-secret', scopes: 'a,b' }, { display_name: 'Slack (prod)' }), slack('same', {})] },
    ];
    const result = await converges(envs);
    expect(result.documents.map((d) => d.name)).toEqual(['environments.yaml', 'integrations.yaml']);
    const doc = parse(result.documents[1]?.content ?? '') as { integrations: Array<Record<string, unknown>> };
    expect(doc.integrations).toEqual([
      { unique_key: 'posthog', provider: 'posthog', display_name: 'posthog', forward_webhooks: true, environments: ['dev'] },
      { unique_key: 'same', provider: 'slack', display_name: 'Slack', forward_webhooks: true, credentials: { type: 'OAUTH2', client_id: 'id', client_secret: '${SAME_CLIENT_SECRET}', scopes: ['a'] } },
      {
        unique_key: 'slack',
        provider: 'slack',
        forward_webhooks: true,
        credentials: { type: 'OAUTH2', client_id: 'id' },
        environments: {
          dev: { display_name: 'Slack', credentials: { client_secret: '${SLACK_CLIENT_SECRET_DEV}', scopes: ['a'] } },
          prod: { display_name: 'Slack (prod)', credentials: { client_secret: '${SLACK_CLIENT_SECRET_PROD}', scopes: ['a', 'b'] } },
        },
      },
    ]);
    expect(result.documents[1]?.content).toContain('environments: [dev]');
    for (const d of result.documents) for (const secret of ['dev-secret', 'prod-secret']) expect(d.content).not.toContain(secret);
    expect(result.variables.map((v) => [v.name, v.environments])).toEqual([
      ['SAME_CLIENT_SECRET', ['dev', 'prod']],
      ['SLACK_CLIENT_SECRET_DEV', ['dev']],
      ['SLACK_CLIENT_SECRET_PROD', ['prod']],
    ]);
  });

  it('never hands out a secret key variable, and names unreadable values per environment', async () => {
    const envs = [
      { name: 'dev', integrations: [live({ unique_key: 'x', provider: 'slack', credentials: 'unreadable' })] },
      { name: 'prod', integrations: [live({ unique_key: 'x', provider: 'slack', credentials: 'unreadable' })] },
    ];
    const reserved = options(['dev', 'prod'], {
      environments: { names: ['dev', 'prod'], variables: [{ name: 'X_CLIENT_SECRET_DEV', environment: 'dev', field: 'secret_key', optional: false }] },
    });
    const result = exportEnvironments(envs, reserved);
    // Unknown values are never taken as equal: each environment gets its own variable.
    expect(result.variables.map((v) => v.name)).toEqual(['X_CLIENT_ID_DEV', 'X_CLIENT_SECRET_DEV_2', 'X_CLIENT_ID_PROD', 'X_CLIENT_SECRET_PROD']);
    expect(result.notes.map((n) => `${n.environment} ${n.unique_key}`)).toEqual(['dev x', 'prod x']);
  });

  it('leaves a key out where its provider differs, and says so', async () => {
    const envs = [
      { name: 'dev', integrations: [slack('k', {})] },
      { name: 'staging', integrations: [slack('k', {})] },
      { name: 'prod', integrations: [live({ unique_key: 'k', provider: 'posthog', credentials: null })] },
    ];
    const result = await converges(envs);
    expect(result.notes).toEqual([expect.objectContaining({ unique_key: 'k', environment: 'prod', message: expect.stringMatching(/^left out: .*dev, staging/) })]);
    expect((parse(result.documents[1]?.content ?? '') as { integrations: Array<Record<string, unknown>> }).integrations[0]?.['environments']).toEqual(['dev', 'staging']);
  });

  it('without a head file (one -o FILE or stdout), the block opens the one document', () => {
    const result = exportEnvironments([{ name: 'dev', integrations: [slack('slack', {})] }], options(['dev'], { headFile: undefined }));
    expect(result.documents).toHaveLength(1);
    expect(Object.keys(parse(result.documents[0]?.content ?? '') as object)).toEqual(['settings', 'environments', 'integrations']);
  });

  it('.env.example lists each variable once, in the section of the environments that read it', () => {
    const envs = [
      { name: 'dev', integrations: [slack('a', { client_secret: '1' }), slack('b', {})] },
      { name: 'prod', integrations: [slack('a', { client_secret: '2' }), slack('b', {})] },
    ];
    const result = exportEnvironments(envs, options(['dev', 'prod']));
    const text = renderEnvExample(result.variables, result.environments);
    const sections = text.split(/^# ---- /m).slice(1).map((s) => [s.split(' ----')[0], [...s.matchAll(/^(\w+)=$/gm)].map((m) => m[1])]);
    expect(sections).toEqual([
      ['read by every environment (dev, prod)', ['B_CLIENT_SECRET']],
      ['read by environment dev only', ['NANGO_SECRET_KEY_DEV', 'A_CLIENT_SECRET_DEV']],
      ['read by environment prod only', ['NANGO_SECRET_KEY_PROD', 'A_CLIENT_SECRET_PROD']],
    ]);
  });

  it('round-trips arbitrary live states of up to three environments', async () => {
    const names = ['dev', 'staging', 'prod'];
    // Few distinct values, so that environments often agree and often do not.
    const pick = <T>(...values: T[]) => fc.constantFrom(...values);
    const oauth = fc.record({ type: fc.constant('OAUTH2'), client_id: pick('a', 'b'), client_secret: pick('s1', 's2'), scopes: pick(null, 'x', 'x,y'), webhook_secret: pick(null, 'w1', 'w2') });
    const app = fc.record({ type: fc.constant('APP'), app_id: pick('1', '2'), app_link: pick('https://a', 'https://b'), private_key: fc.constant(PEM) });
    const integration = fc.oneof(
      fc.record({ provider: fc.constant('slack'), credentials: oauth }),
      fc.record({ provider: fc.constant('github-app'), credentials: app }),
      fc.record({ provider: fc.constant('posthog'), credentials: fc.constant(null) }),
    );
    const entry = fc.record({ display_name: pick('', 'A', 'B'), forward_webhooks: fc.boolean(), integration });
    const environment = fc.dictionary(pick('k1', 'k2', 'k-3', 'K.3'), entry, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(environment, { minLength: 3, maxLength: 3 }), fc.boolean(), async (count, states, split) => {
        const envs = names.slice(0, count).map((name, i) => ({
          name,
          integrations: Object.entries(states[i] ?? {}).map(([key, e]) =>
            live({ unique_key: key, provider: e.integration.provider, display_name: e.display_name, forward_webhooks: e.forward_webhooks, credentials: e.integration.credentials as LiveIntegration['credentials'] }),
          ),
        }));
        await converges(envs, { split });
      }),
      { numRuns: 60 },
    );
  });
});

describe('createPacerPool', () => {
  it('hands environments on one host the same pacer, and another host its own', () => {
    const pacerFor = createPacerPool();
    expect(pacerFor('https://api.nango.dev')).toBe(pacerFor('https://API.nango.dev/'));
    expect(pacerFor('http://127.0.0.1:3003')).not.toBe(pacerFor('https://api.nango.dev'));
  });
});

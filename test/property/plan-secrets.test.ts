// Secrets never reach a plan: random secrets and display names go through the real config stage
// (YAML file + ${ENV} interpolation), the diff runs against a remote holding other random secrets,
// and no rendering of the plan (JSON above all: it is saved and uploaded) may contain any of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/index.js';
import type { ApiCredentials, LiveIntegration } from '../../src/nango/types.js';
import { diffIntegrations } from '../../src/plan/diff.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { buildPlan } from '../../src/plan/plan.js';
import { renderPlanGithub } from '../../src/render/github.js';
import { renderPlanJson } from '../../src/render/json.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderApplyText, renderPlanText } from '../../src/render/text.js';
import { live } from '../helpers/model.js';
import { SEED } from './arbitraries.js';

/**
 * A secret: a shape that cannot occur in a plan by accident (keys here are lowercase, digests and
 * fingerprints lowercase hex), then anything at all, quotes, backslashes, newlines and `$&` included.
 */
const secret = fc
  .tuple(fc.stringMatching(/^[A-Z]{4}[0-9]{2}$/), fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('$&', '"\\', '\n\t', '${X}')))
  .map(([head, tail]) => head + tail);

/** A scope that cannot occur in a plan by accident either. */
const distinctScope = fc.stringMatching(/^[A-Z]{4}[0-9]{2}[a-z:/_.*-]{0,6}$/);

type Maybe<T> = T | null;

interface Spec {
  key: string;
  /** `${NAME}` inside a longer display name, or the whole of it. */
  displayFromEnv: Maybe<{ prefix: string; value: string }>;
  clientIdFromEnv: boolean;
  clientId: string;
  /** Written literally in the YAML (bad practice): still a secret field. */
  literalSecret: boolean;
  clientSecret: string;
  webhookSecret: Maybe<string>;
  scopesFromEnv: Maybe<string[]>;
  remote: Maybe<{ clientSecret: string; webhookSecret: string; clientId: string; unreadable: boolean; displayName: string }>;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  key: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
  displayFromEnv: fc.option(fc.record({ prefix: fc.constantFrom('', 'Team '), value: secret })),
  clientIdFromEnv: fc.boolean(),
  clientId: secret,
  literalSecret: fc.boolean(),
  clientSecret: secret,
  webhookSecret: fc.option(secret),
  scopesFromEnv: fc.option(fc.array(distinctScope, { minLength: 1, maxLength: 3 })),
  remote: fc.option(fc.record({ clientSecret: secret, webhookSecret: secret, clientId: secret, unreadable: fc.boolean(), displayName: fc.string({ minLength: 1, maxLength: 10 }) })),
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The config file and environment for the specs; every interpolated value is a secret. */
function configFor(specs: readonly Spec[]): { yaml: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const lines = ['integrations:'];
  specs.forEach((s, i) => {
    lines.push(`  - unique_key: ${s.key}`, '    provider: slack');
    if (s.displayFromEnv) {
      env[`NAME_${i}`] = s.displayFromEnv.value;
      lines.push(`    display_name: ${JSON.stringify(`${s.displayFromEnv.prefix}\${NAME_${i}}`)}`);
    }
    lines.push('    credentials:', '      type: OAUTH2');
    if (s.clientIdFromEnv) {
      env[`CLIENT_ID_${i}`] = s.clientId;
      lines.push(`      client_id: \${CLIENT_ID_${i}}`);
    } else {
      lines.push('      client_id: "1234.5678"');
    }
    if (s.literalSecret) {
      lines.push(`      client_secret: ${JSON.stringify(s.clientSecret.replaceAll('$', () => '$$'))}`);
    } else {
      env[`CLIENT_SECRET_${i}`] = s.clientSecret;
      lines.push(`      client_secret: \${CLIENT_SECRET_${i}}`);
    }
    if (s.webhookSecret !== null) {
      env[`WEBHOOK_SECRET_${i}`] = s.webhookSecret;
      lines.push(`      webhook_secret: \${WEBHOOK_SECRET_${i}}`);
    }
    if (s.scopesFromEnv !== null) {
      env[`SCOPES_${i}`] = s.scopesFromEnv.join(',');
      lines.push(`      scopes: \${SCOPES_${i}}`);
    }
  });
  return { yaml: `${lines.join('\n')}\n`, env };
}

function remoteFor(s: Spec): LiveIntegration | undefined {
  if (!s.remote) return undefined;
  const credentials: ApiCredentials = {
    type: 'OAUTH2',
    client_id: s.remote.clientId,
    client_secret: s.remote.clientSecret,
    scopes: 'old:scope',
    webhook_secret: s.remote.webhookSecret,
  } as ApiCredentials;
  return live({ unique_key: s.key, provider: 'slack', display_name: s.remote.displayName, credentials: s.remote.unreadable ? 'unreadable' : credentials });
}

/** The value as written, and as JSON would escape it (a renderer may quote values). */
function forms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

describe('plans never contain a value marked sensitive (property)', () => {
  it('in JSON, text, markdown and GitHub renderings, for creates, updates and deletes alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(spec, { selector: (s) => s.key, minLength: 1, maxLength: 4 }), fc.uniqueArray(secret, { maxLength: 2 }), async (specs, orphans) => {
        const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-prop-'));
        dirs.push(dir);
        const { yaml, env } = configFor(specs);
        writeFileSync(join(dir, 'nango.yaml'), yaml);
        const loaded = await loadDesiredState({ paths: [dir], env, cwd: dir });
        expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const desired = loaded.state;
        if (!desired) throw new Error('no state');

        // Remote-only integrations to delete, keyed so they cannot collide with declared ones.
        const remote = specs.map(remoteFor).filter((r): r is LiveIntegration => r !== undefined);
        orphans.forEach((_, i) => remote.push(live({ unique_key: `orphan-${i}`, provider: 'slack' })));
        const diff = diffIntegrations(desired, { integrations: remote }, { prune: true, protect: [] }, {
          fingerprint: createFingerprinter('property-secret-key'),
          recordedFingerprint: () => undefined,
          requiresCredentials: () => true,
        });
        expect(diff.diagnostics).toEqual([]);
        const plan = buildPlan(diff);
        for (const c of plan.changes) c.result = 'applied';

        const secrets = new Set<string>(desired.sensitiveValues);
        for (const s of specs) {
          if (s.literalSecret) secrets.add(s.clientSecret);
          if (s.remote) {
            secrets.add(s.remote.clientSecret);
            secrets.add(s.remote.webhookSecret);
          }
        }
        for (const value of Object.values(env)) secrets.add(value);
        expect(secrets.size).toBeGreaterThan(0);

        const outputs = { json: renderPlanJson(plan), text: renderPlanText(plan), apply: renderApplyText(plan), markdown: renderPlanMarkdown(plan), github: renderPlanGithub(plan) };
        for (const [format, out] of Object.entries(outputs)) {
          for (const value of secrets) {
            for (const form of forms(value)) expect(out, `${format} shows a secret`).not.toContain(form);
          }
        }
        // Every field of a change to a secret or interpolated value says so, with no value.
        for (const c of plan.changes) {
          for (const f of c.fields) {
            if (f.sensitive) expect(f).not.toHaveProperty('after');
            if (f.sensitive) expect(f).not.toHaveProperty('before');
          }
        }
      }),
      { seed: SEED, numRuns: 120 },
    );
  });
});

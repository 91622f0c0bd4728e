// A server that quotes requests back (test/emulator/echo.ts) must not make the CLI print a secret, in
// any form, in any output: random secrets (quotes, backslashes, newlines, unicode, regex metacharacters,
// 1-3 characters, the tool's own words) as client_secret, webhook_secret or an interpolated display name;
// plan and apply as processes, in every format, with debug logs, `--out` plan files and the state file.
//
// A secret may equal a word the tool prints ("apply", "a"), so "never appears" means: the run with the
// secret shows it no more often, in no form, than the same run with a neutral value of the same length
// class. Plans (no server text at all) must be identical, which also proves that no word of the tool
// was rewritten.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_MASKED_LENGTH, WITHHELD } from '../../src/redact.js';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { countOf, secretForms, withoutVolatile } from '../helpers/secret-forms.js';
import { SEED } from './arbitraries.js';

const FORMATS = ['text', 'json', 'markdown', 'github'] as const;
type Format = (typeof FORMATS)[number];
type Role = 'client_secret' | 'webhook_secret' | 'display_name';

const COMMON_WORDS = ['apply', 'true', 'plan', 'mode', 'error', 'a', 'slack', 'update', 'failed', 'sensitive', 'invalid_body', 'request body', 'PATCH /integrations'];
const METACHARACTERS = [...'"\\\n\t$&.*()[]?+^|/%\'`{} é😀aZ0'];

/** No NUL (an environment variable cannot hold one); anything else goes. */
const secret = fc
  .oneof(
    fc.constantFrom(...COMMON_WORDS),
    fc.string({ unit: fc.constantFrom(...METACHARACTERS), minLength: 1, maxLength: 16 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
    fc.string({ unit: 'grapheme', minLength: MIN_MASKED_LENGTH, maxLength: 24 }),
  )
  .filter((s) => !s.includes('\u0000'));

const isShort = (value: string): boolean => [...value].length < MIN_MASKED_LENGTH;
/** Stand-ins of each length class (a short one makes the CLI withhold server text, as a short secret does). */
const NEUTRAL = { short: '~#~', long: '~neutral#stand-in~' };

const FIXED = { client_secret: 'fixed-client-secret-0001', webhook_secret: 'fixed-webhook-secret-0002' };
/** Literal in config; a secret cannot equal it by chance. */
const DISPLAY = 'Slack Bot ✓ 7f3';

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator({ echoRequestBody: true });
  dir = tempConfig({});
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

function configYaml(role: Role): string {
  return `integrations:
  - unique_key: slack
    provider: slack
    display_name: ${role === 'display_name' ? '${VALUE}' : JSON.stringify(DISPLAY)}
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${${role === 'client_secret' ? 'VALUE' : 'FIXED_CLIENT_SECRET'}}
      webhook_secret: \${${role === 'webhook_secret' ? 'VALUE' : 'FIXED_WEBHOOK_SECRET'}}
      scopes: [chat:write]
  - unique_key: hub
    provider: hubspot
    credentials:
      type: OAUTH2
      client_id: "789"
      client_secret: \${VALUE}
`;
}

interface Outputs {
  'plan stdout': string;
  'plan stderr': string;
  'plan --out file': string;
  'apply stdout': string;
  'apply stderr': string;
  'state file': string;
}

/**
 * One plan and one apply. `slack` exists and its PATCH is refused with a 400 that quotes the body;
 * `hub` is created (so the state file is written). Nango stores `value` as slack's display name, as a
 * server may store what it was sent in another field: the plan shows that stored value as `before`.
 */
async function runBoth(value: string, role: Role, planFormat: Format, applyFormat: Format): Promise<Outputs> {
  emu.reset();
  emu.seed([
    {
      unique_key: 'slack',
      provider: 'slack',
      display_name: role === 'display_name' ? 'Old name' : value,
      credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: 'old-client-secret-value', scopes: 'chat:write', webhook_secret: null },
    },
  ]);
  emu.setFaults({ rate: 1, kinds: ['400'], methods: ['PATCH'] });
  writeFileSync(join(dir, 'nango.yaml'), configYaml(role));
  const state = join(dir, 'state.json');
  const planFile = join(dir, 'plan.json');
  rmSync(state, { force: true });
  rmSync(planFile, { force: true });
  const env = {
    NANGO_SECRET_KEY: DEFAULT_SECRET_KEY,
    NANGO_HOST: emu.url,
    VALUE: value,
    FIXED_CLIENT_SECRET: FIXED.client_secret,
    FIXED_WEBHOOK_SECRET: FIXED.webhook_secret,
  };
  const config = ['-c', join(dir, 'nango.yaml'), '--log-level', 'debug', '--state', state];
  const plan = await runCli(['plan', ...config, '--format', planFormat, '--out', planFile], { env });
  expect(plan.code, plan.stderr).toBe(0);
  const apply = await runCli(['apply', ...config, '--format', applyFormat], { env });
  expect(apply.code, apply.stderr).toBe(1);
  // Not vacuous: the PATCH was refused with the quote, and the CLI reported it.
  expect(emu.requests.some((r) => r.method === 'PATCH' && r.status === 400)).toBe(true);
  if (isShort(value)) expect(apply.stdout).toContain(WITHHELD);
  else if (!'form-encoded: '.includes(value)) expect(apply.stdout).toContain('form-encoded: ');
  return {
    'plan stdout': plan.stdout,
    'plan stderr': plan.stderr,
    'plan --out file': readFileSync(planFile, 'utf8'),
    'apply stdout': apply.stdout,
    'apply stderr': apply.stderr,
    'state file': existsSync(state) ? readFileSync(state, 'utf8') : '',
  };
}

describe('echoed secrets never reach an output (property, CLI processes)', () => {
  it('plan and apply, every format, plan and state files, debug logs', { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        fc.constantFrom<Role>('client_secret', 'webhook_secret', 'display_name'),
        fc.constantFrom(...FORMATS),
        fc.constantFrom(...FORMATS),
        async (value, role, planFormat, applyFormat) => {
          const neutral = isShort(value) ? NEUTRAL.short : NEUTRAL.long;
          const shown = await runBoth(value, role, planFormat, applyFormat);
          const baseline = await runBoth(neutral, role, planFormat, applyFormat);
          const forms = secretForms(value);
          for (const name of Object.keys(shown) as Array<keyof Outputs>) {
            const out = withoutVolatile(shown[name]);
            const base = withoutVolatile(baseline[name]);
            if (name.startsWith('plan')) expect(out, `${name} depends on the secret`).toBe(base);
            for (const form of forms) {
              expect(countOf(out, form), `${name} shows ${JSON.stringify(form)}:\n${out}`).toBeLessThanOrEqual(countOf(base, form));
            }
          }
        },
      ),
      { seed: SEED, numRuns: 20 },
    );
  });
});

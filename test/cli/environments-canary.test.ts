// Canary for several environments: no secret key and no secret value of ANY environment reaches any
// output (stdout, stderr at trace level, the plan file, the state file), in every format, for plan,
// apply, a refused key, a missing variable, a drifted plan file, and a server that quotes requests back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { secretForms } from '../helpers/secret-forms.js';

const KEY_DEV = 'c0ffee00-1234-4abc-8def-0123456789ab';
const KEY_PROD = 'feedface-5678-4cde-9abc-ba9876543210';
const MARK = {
  devSecret: 'CANARYdevsecret$&1',
  prodSecret: 'CANARYprodsecret$\'2',
  prodWebhook: 'CANARYprodwebhook3',
  devName: 'CANARY dev name 4',
  prodClientId: 'CANARYprodclient5',
};
const SECRETS = Object.values(MARK);

const CONFIG = {
  'nango/environments.yaml': `environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    host: \${PROD_HOST}
`,
  'nango/slack.yaml': `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      scopes: [chat:write]
    environments:
      dev:
        display_name: \${DEV_NAME}
        credentials: { client_id: dev-client, client_secret: "\${DEV_SECRET}" }
      prod:
        credentials: { client_id: "\${PROD_CLIENT_ID}", client_secret: "\${PROD_SECRET}", webhook_secret: "\${PROD_WEBHOOK}" }
  - unique_key: posthog
    provider: posthog
`,
};

let emu: Emulator;
let echo: Emulator;
const keys = [
  { secretKey: KEY_DEV, environment: 'dev' },
  { secretKey: KEY_PROD, environment: 'prod' },
];
beforeAll(async () => {
  emu = await startEmulator({ keys });
  echo = await startEmulator({ keys, echoRequestBody: true });
});
afterAll(async () => {
  await emu.close();
  await echo.close();
});

function env(host: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NANGO_HOST: host,
    PROD_HOST: host,
    NANGO_SECRET_KEY_DEV: KEY_DEV,
    NANGO_SECRET_KEY_PROD: KEY_PROD,
    DEV_SECRET: MARK.devSecret,
    DEV_NAME: MARK.devName,
    PROD_SECRET: MARK.prodSecret,
    PROD_WEBHOOK: MARK.prodWebhook,
    PROD_CLIENT_ID: MARK.prodClientId,
    ...extra,
  };
}

/** Every form of every secret of both environments, the keys in any letter case. */
function expectNoSecret(label: string, text: string, extraKeys: readonly string[] = []): void {
  const forms = [...SECRETS.flatMap((s) => secretForms(s)), ...[KEY_DEV, KEY_PROD, ...extraKeys].flatMap((k) => secretForms(k, { caseInsensitive: true }))];
  for (const form of forms) expect(text.includes(form), `${label} shows ${JSON.stringify(form)}:\n${text}`).toBe(false);
  expect(text, label).not.toContain('CANARY');
}

const output = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;

describe('canary: several environments', () => {
  it('plan, apply, a refused key, a missing variable and a drifted plan file, in every format at trace level', async () => {
    emu.reset();
    const dir = tempConfig(CONFIG);
    const state = join(dir, 'state.json');
    const planFile = join(dir, 'plan.json');
    const run = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
      runCli([...args, '-c', 'nango', '--state', state, '--log-level', 'trace'], { cwd: dir, env: env(emu.url, extra) });

    for (const format of ['text', 'json', 'markdown', 'github']) {
      const plan = await run(['plan', '--format', format, '--out', planFile]);
      expect(plan.code, plan.stderr).toBe(0);
      expectNoSecret(`plan ${format}`, output(plan));
      expectNoSecret(`plan file ${format}`, readFileSync(planFile, 'utf8'));
    }
    const wrongKey = '0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d';
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const refused = await run(['plan', '--format', format], { NANGO_SECRET_KEY_PROD: wrongKey });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('authentication failed');
      expectNoSecret(`wrong prod key ${format}`, output(refused), [wrongKey]);

      const missing = await run(['plan', '--format', format], { PROD_SECRET: '' });
      expect(missing.code).toBe(1);
      expectNoSecret(`missing variable ${format}`, output(missing));
    }

    const applied = await run(['apply', '--format', 'json']);
    expect(applied.code, applied.stderr).toBe(0);
    expectNoSecret('apply json', output(applied));
    expectNoSecret('state file', readFileSync(state, 'utf8'));

    // Rotated secrets: update paths show before/after of the changed fields.
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const rotated = await run(['apply', '--format', format], { DEV_SECRET: `${MARK.devSecret}${format}`, PROD_SECRET: `${MARK.prodSecret}${format}`, DEV_NAME: `${MARK.devName} ${format}` });
      expect(rotated.code, rotated.stderr).toBe(0);
      expectNoSecret(`rotated ${format}`, output(rotated));
    }

    // A reviewed plan that drifted in prod.
    expect((await run(['plan', '--out', planFile])).code).toBe(0);
    emu.seed([{ unique_key: 'stray', provider: 'posthog' }], 'prod');
    const drifted = await run(['apply', '--plan-file', planFile, '--format', 'markdown']);
    expect(drifted.code).toBe(3);
    expectNoSecret('drifted plan file', output(drifted));
  });

  it('a server that quotes requests back (Authorization header and bodies) shows no secret of either environment', async () => {
    echo.reset();
    echo.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
    const dir = tempConfig(CONFIG);
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const r = await runCli(['apply', '-c', 'nango', '--format', format, '--log-level', 'debug', '--state', join(dir, 's.json')], { cwd: dir, env: env(echo.url) });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain('(sensitive)');
      expectNoSecret(`echo apply ${format}`, output(r));
    }
    echo.setFaults({ rate: 1, kinds: ['400'], methods: ['GET'] });
    const refused = await runCli(['plan', '-c', 'nango', '--log-level', 'debug'], { cwd: dir, env: env(echo.url) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: environment prod: Nango API: .*authorization: Bearer \(sensitive\)/);
    expectNoSecret('echo refused GET', output(refused));
  });
});

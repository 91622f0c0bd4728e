import { describe, expect, it } from 'vitest';
import {
  combineEnvironmentDiagnostics,
  formatDiagnostic,
  loadConfig,
  loadDesiredState,
  resolveEnvironment,
  selectEnvironments,
  type DesiredIntegration,
  type EnvironmentResult,
  type LoadedConfig,
  type LoadOptions,
} from '../../src/config/index.js';
import { digestDesiredState } from '../../src/config/normalize.js';
import { useTempDir } from '../fixtures/config/helpers.js';

const t = useTempDir();

const ENVIRONMENTS = `environments:
  dev:
    secret_key: \${KEY_DEV}
    host: \${HOST_DEV:-http://localhost:3003/}
  prod:
    secret_key: \${KEY_PROD}
`;

async function load(files: Record<string, string>, options: Partial<LoadOptions> = {}): Promise<LoadedConfig> {
  for (const [name, content] of Object.entries(files)) await t.write(name, content);
  return loadConfig({ paths: Object.keys(files), cwd: t.path, env: {}, ...options });
}

const lines = (r: { diagnostics: Parameters<typeof formatDiagnostic>[0][] }): string[] => r.diagnostics.map(formatDiagnostic);

function byKey(r: EnvironmentResult, key: string): DesiredIntegration {
  const found = r.state?.integrations.find((i) => i.unique_key === key);
  expect(found, `${key} in ${r.environment ?? '(none)'}: ${lines(r).join('; ')}`).toBeDefined();
  return found!;
}

describe('environments: merged views', () => {
  const SLACK = [
    'integrations:', //                                   1
    '  - unique_key: slack', //                           2
    '    provider: slack', //                             3
    '    display_name: Slack', //                         4
    '    credentials:', //                                5
    '      type: OAUTH2', //                              6
    '      client_id: shared-id', //                      7
    '      client_secret: ${SHARED_SECRET}', //           8
    '      scopes: [chat:write, users:read]', //          9
    '    integration_config: { a: "1", b: "2" }', //     10
    '    environments:', //                              11
    '      dev:', //                                     12
    '        display_name: Slack (dev)', //              13
    '        credentials:', //                           14
    '          client_secret: ${DEV_SECRET}', //         15
    '          scopes: [chat:write]', //                 16
    '        integration_config: { b: "dev" }', //       17
    '      prod:', //                                    18
    '  - unique_key: posthog', //                        19
    '    provider: posthog', //                          20
    '  - unique_key: linear-trial', //                   21
    '    provider: posthog', //                          22
    '    environments: [dev]', //                        23
    '',
  ].join('\n');

  it('merges an override over the shared fields: mappings key by key, lists and scalars replaced', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS, 'slack.yaml': SLACK }, { env: { SHARED_SECRET: 'shared-secret', DEV_SECRET: 'dev-secret' } });
    expect(config.environments).toEqual([
      { name: 'dev', source: { file: 'env.yaml', line: 2, column: 3 } },
      { name: 'prod', source: { file: 'env.yaml', line: 5, column: 3 } },
    ]);
    const dev = await resolveEnvironment(config, 'dev');
    expect(lines(dev)).toEqual([]);
    expect(byKey(dev, 'slack')).toMatchObject({
      display_name: 'Slack (dev)',
      credentials: { type: 'OAUTH2', client_id: 'shared-id', client_secret: 'dev-secret', scopes: ['chat:write'] },
      integration_config: { a: '1', b: 'dev' },
    });
    // Each field points where its value was written: the override, or the shared declaration.
    const slack = byKey(dev, 'slack');
    expect(slack.fieldSources['display_name']).toEqual({ file: 'slack.yaml', line: 13, column: 23 });
    expect(slack.fieldSources['credentials.client_secret']).toEqual({ file: 'slack.yaml', line: 15, column: 26 });
    expect(slack.fieldSources['credentials.client_id']).toEqual({ file: 'slack.yaml', line: 7, column: 18 });
    expect(slack.fieldSources['integration_config.a']).toEqual({ file: 'slack.yaml', line: 10, column: 30 });
    expect([...slack.sensitive].sort()).toEqual(['credentials.client_secret']);
    expect(dev.state?.integrations.map((i) => i.unique_key)).toEqual(['slack', 'posthog', 'linear-trial']);
    expect(dev.state?.sensitiveValues).toEqual(new Set(['dev-secret']));

    // `prod:` with nothing under it: the shared fields as they are; a list without prod leaves it out.
    const prod = await resolveEnvironment(config, 'prod');
    expect(lines(prod)).toEqual([]);
    expect(byKey(prod, 'slack')).toMatchObject({
      display_name: 'Slack',
      credentials: { client_secret: 'shared-secret', scopes: ['chat:write', 'users:read'] },
      integration_config: { a: '1', b: '2' },
    });
    expect(prod.state?.integrations.map((i) => i.unique_key)).toEqual(['slack', 'posthog']);
    expect(prod.state?.environment).toBe('prod');
  });

  it('reads only the variables the selected environment uses', async () => {
    // DEV_SECRET is only in dev's override; SHARED_SECRET only in the shared field dev overrides; KEY_PROD only prod's key.
    const config = await load({ 'env.yaml': ENVIRONMENTS, 'slack.yaml': SLACK }, { env: { DEV_SECRET: 'dev-secret', KEY_DEV: 'dev-key' } });
    expect(lines(config)).toEqual([]);
    const dev = await resolveEnvironment(config, 'dev', { secretKey: true });
    expect(lines(dev)).toEqual([]);
    expect(dev.secretKey).toBe('dev-key');
    expect(dev.state?.sensitiveValues.has('dev-key')).toBe(true);
    expect(JSON.stringify({ ...dev.state, sensitiveValues: undefined })).not.toContain('dev-key');

    const prod = await resolveEnvironment(config, 'prod', { secretKey: true });
    expect(prod.state).toBeUndefined();
    expect(prod.diagnostics).toEqual([
      expect.objectContaining({ message: 'KEY_PROD is not set', envVar: 'KEY_PROD', location: { file: 'env.yaml', line: 6, column: 17 }, path: 'environments.prod.secret_key' }),
      expect.objectContaining({ message: 'SHARED_SECRET is not set', envVar: 'SHARED_SECRET', location: { file: 'slack.yaml', line: 8, column: 22 } }),
    ]);
    // Without asking for the key (validate), prod needs only its integrations' variables.
    expect(lines(await resolveEnvironment(config, 'prod'))).toEqual(['slack.yaml:8:22: credentials.client_secret: SHARED_SECRET is not set']);
  });

  it('host: the entry\'s, else NANGO_HOST, else Nango cloud; never sensitive, never quoted when wrong', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS, 'a.yaml': 'integrations: []\n' }, { env: { NANGO_HOST: 'https://nango.example.com/' } });
    expect((await resolveEnvironment(config, 'dev')).state?.host).toBe('http://localhost:3003');
    expect((await resolveEnvironment(config, 'prod')).state?.host).toBe('https://nango.example.com');
    const bare = await load({ 'env.yaml': ENVIRONMENTS, 'a.yaml': 'integrations: []\n' }, { env: { HOST_DEV: 'https://user:pw@nango.example.com' } });
    expect((await resolveEnvironment(bare, 'prod')).host).toBe('https://api.nango.dev');
    const wrong = await resolveEnvironment(bare, 'dev');
    expect(lines(wrong)).toEqual(['env.yaml:4:11: environments.dev.host: must not contain a user name or password']);
  });

  it('overrides settings key by key per environment, owns included', async () => {
    const config = await load({
      'env.yaml': `settings:\n  prune: false\n  protect: ["*-prod"]\n  owns: ["team-a-*"]\n${ENVIRONMENTS.replace('    host:', '    settings: { prune: true, owns: ["team-a-*", "shared-*"] }\n    host:')}`,
    });
    const dev = await resolveEnvironment(config, 'dev');
    expect(dev.state?.settings).toEqual({ prune: true, protect: ['*-prod'], owns: ['team-a-*', 'shared-*'], source: { file: 'env.yaml', line: 1, column: 1 } });
    const prod = await resolveEnvironment(config, 'prod');
    expect(prod.state?.settings).toEqual({ prune: false, protect: ['*-prod'], owns: ['team-a-*'], source: { file: 'env.yaml', line: 1, column: 1 } });
    // An environment's name and host are part of its digest; the single-environment digest is unchanged.
    expect(dev.state?.digest).not.toBe(prod.state?.digest);
    await t.write('a.yaml', 'settings:\n  owns: ["x-*"]\nintegrations:\n  - unique_key: x-a\n    provider: posthog\n');
    const single = await loadDesiredState({ paths: ['a.yaml'], cwd: t.path, env: {} });
    expect(single.state).toMatchObject({ host: 'https://api.nango.dev', settings: { owns: ['x-*'] } });
    expect(single.state?.environment).toBeUndefined();
    expect(single.state?.digest).toBe(digestDesiredState(single.state!.integrations, single.state!.settings));
  });

  it('checks an environment\'s own settings where they are written', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS.replace('    host:', '    settings: { max_deletes: -1, prun: true }\n    host:') });
    expect(lines(await resolveEnvironment(config, 'dev'))).toEqual([
      'env.yaml:4:30: settings.max_deletes: must be >= 0',
      'env.yaml:4:34: settings.prun: unknown field "prun" (did you mean "prune"?)',
    ]);
    expect(lines(await resolveEnvironment(config, 'prod'))).toEqual([]);
  });

  it('reports an override\'s errors at the override, for its environment only', async () => {
    const config = await load({
      'env.yaml': ENVIRONMENTS,
      'a.yaml': [
        'integrations:',
        '  - unique_key: slack',
        '    provider: slack',
        '    credentials:',
        '      type: OAUTH2',
        '      client_id: x',
        '    environments:',
        '      dev:',
        '        display_name: 5',
        '        credentials: { client_secret: s }',
        '      prod: {}',
        '',
      ].join('\n'),
    });
    const results = [await resolveEnvironment(config, 'dev'), await resolveEnvironment(config, 'prod')];
    expect(lines(results[0]!)).toEqual(['a.yaml:9:23: display_name: must be a string: quote it: display_name: "5"']);
    expect(lines(results[1]!)).toEqual(['a.yaml:5:7: credentials: missing required field "client_secret"']);
    expect(combineEnvironmentDiagnostics(config, results).map(formatDiagnostic)).toEqual([
      'a.yaml:5:7: credentials: missing required field "client_secret" (environment prod)',
      'a.yaml:9:23: display_name: must be a string: quote it: display_name: "5" (environment dev)',
    ]);
  });
});

describe('environments: errors', () => {
  it('refuses a literal secret key with its position, without quoting it', async () => {
    const config = await load({ 'env.yaml': 'environments:\n  prod:\n    secret_key: sk-live-0123456789\n' });
    const expected = 'env.yaml:3:17: environments.prod.secret_key: must be one ${VAR} reference to the variable holding the key (e.g. ${NANGO_SECRET_KEY_PROD}); never write a key in a config file';
    expect(lines(config)).toEqual([expected]);
    const prod = await resolveEnvironment(config, 'prod', { secretKey: true });
    expect(prod.state).toBeUndefined();
    expect(lines(prod)).toEqual([expected]);
    expect(JSON.stringify(prod)).not.toContain('sk-live');
  });

  it('checks the block: names, fields, one key variable per environment, a secret key required', async () => {
    const config = await load({
      'env.yaml': 'environments:\n  Prod:\n    secret_key: ${K}\n  dev:\n    secret_key: ${K}\n    hots: x\n  qa: {}\n',
    });
    expect(lines(config)).toEqual([
      'env.yaml:2:3: environments.Prod: an environment name is 1 to 63 lower-case letters, digits, _ and -, starting with a letter or digit',
      'env.yaml:5:17: environments.dev.secret_key: ${K} is already the secret key of environment "Prod": each environment has its own key',
      'env.yaml:6:5: environments.dev.hots: unknown field "hots" (did you mean "host"?)',
      'env.yaml:7:7: environments.qa: missing required field "secret_key"',
    ]);
  });

  it('names unknown environments with their position and a did-you-mean, in lists and in overrides', async () => {
    const config = await load({
      'env.yaml': ENVIRONMENTS,
      'a.yaml': [
        'integrations:',
        '  - unique_key: a',
        '    provider: posthog',
        '    environments: [dev, prd]',
        '  - unique_key: b',
        '    provider: posthog',
        '    environments:',
        '      devv: { display_name: B }',
        '',
      ].join('\n'),
    });
    expect(lines(config)).toEqual([
      'a.yaml:4:25: environments[1]: unknown environment "prd" (did you mean "prod"?); declared: dev, prod',
      'a.yaml:8:7: environments.devv: unknown environment "devv" (did you mean "dev"?); declared: dev, prod',
    ]);
    // Every environment fails: the config is one reviewed unit.
    expect((await resolveEnvironment(config, 'dev')).state).toBeUndefined();
  });

  it('refuses an environments key when the config declares none, and fields that cannot differ', async () => {
    await t.write('a.yaml', 'integrations:\n  - unique_key: a\n    provider: posthog\n    environments: [dev]\n');
    expect(lines(await loadDesiredState({ paths: ['a.yaml'], cwd: t.path, env: {} }))).toEqual([
      'a.yaml:4:19: environments: this config declares no environments: add an environments: block (next to settings:) or remove this key',
    ]);

    const config = await load({
      'env.yaml': ENVIRONMENTS,
      'b.yaml': [
        'integrations:',
        '  - unique_key: b',
        '    provider: posthog',
        '    environments:',
        '      dev: { provider: slack, unique_key: c, dispaly_name: B }',
        '      prod: 5',
        '  - unique_key: c',
        '    provider: posthog',
        '    environments: []',
        '',
      ].join('\n'),
    });
    expect(lines(config)).toEqual([
      'b.yaml:5:14: environments.dev.provider: provider cannot differ per environment: declare another integration with its own unique_key',
      'b.yaml:5:31: environments.dev.unique_key: unique_key cannot differ per environment: it is how the integration is found in each of them',
      'b.yaml:5:46: environments.dev.dispaly_name: unknown field "dispaly_name" (did you mean "display_name"?); an environment may set only display_name, forward_webhooks, credentials, integration_config',
      'b.yaml:6:13: environments.prod: must be a mapping of the fields that differ in this environment (or empty)',
      'b.yaml:9:19: environments: must name at least one environment (leave the key out for every environment)',
    ]);
  });

  it('refuses a credentials.type that changes per environment', async () => {
    const config = await load({
      'env.yaml': ENVIRONMENTS,
      'a.yaml': [
        'integrations:',
        '  - unique_key: gh',
        '    provider: github-app-oauth',
        '    credentials: { type: CUSTOM, client_id: a, client_secret: b, app_id: "1", app_link: l, private_key: k }',
        '    environments:',
        '      dev: { credentials: { type: APP } }',
        '  - unique_key: crm',
        '    provider: hubspot',
        '    environments:',
        '      dev: { credentials: { type: OAUTH2, client_id: a, client_secret: b } }',
        '      prod: { credentials: { type: OAUTH1, client_id: a, client_secret: b } }',
        '',
      ].join('\n'),
    });
    expect(lines(config)).toEqual([
      'a.yaml:6:35: environments.dev.credentials.type: credentials.type cannot change per environment: it is CUSTOM at a.yaml:4:26',
      'a.yaml:11:36: environments.prod.credentials.type: credentials.type cannot change per environment: it is OAUTH2 at a.yaml:10:35',
    ]);
  });

  it('keeps settings in the file that declares environments', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS, 'settings.yaml': 'settings:\n  prune: true\n' });
    expect(lines(config)).toEqual([
      "settings.yaml:1:1: settings: settings must be in the file that declares environments (env.yaml:1:1), so that one file shows every environment's policy",
    ]);
  });

  it('allows one environments block', async () => {
    const config = await load({ 'a.yaml': ENVIRONMENTS, 'b.yaml': 'environments:\n  qa:\n    secret_key: ${KEY_QA}\n' });
    expect(lines(config)).toEqual(['b.yaml:1:1: environments: environments are already declared at a.yaml:1:1; at most one config file may hold them']);
  });

  it('declares a unique_key once, even when the two declarations are in different environments', async () => {
    const twice = 'integrations:\n  - unique_key: k\n    provider: posthog\n    environments: [dev]\n  - unique_key: k\n    provider: posthog\n    environments: [prod]\n';
    const config = await load({ 'env.yaml': ENVIRONMENTS, 'a.yaml': twice });
    expect(lines(config)).toEqual(['a.yaml:5:17: unique_key: duplicate unique_key "k": also declared at a.yaml:2:17']);
    // In one environment the same pair is found again, and reported once.
    const both = await load({ 'env.yaml': ENVIRONMENTS, 'a.yaml': twice.replace('[prod]', '[dev, prod]') });
    const results = [await resolveEnvironment(both, 'dev'), await resolveEnvironment(both, 'prod')];
    expect(combineEnvironmentDiagnostics(both, results).map(formatDiagnostic)).toEqual(['a.yaml:5:17: unique_key: duplicate unique_key "k": also declared at a.yaml:2:17']);
  });

  it('reads a secret key from NAME_FILE, may name NANGO_SECRET_KEY, and obeys --env-prefix', async () => {
    const keyFile = await t.write('secrets/prod-key', 'prod-key-from-file\n');
    const block = 'environments:\n  dev:\n    secret_key: ${NANGO_SECRET_KEY}\n  prod:\n    secret_key: ${CFG_KEY_PROD}\n';
    const config = await load({ 'env.yaml': block }, { env: { NANGO_SECRET_KEY: 'dev-key', CFG_KEY_PROD_FILE: keyFile } });
    const prod = await resolveEnvironment(config, 'prod', { secretKey: true });
    expect(prod.secretKey).toBe('prod-key-from-file');
    expect(prod.state?.extraWatchPaths).toEqual([keyFile]);
    expect((await resolveEnvironment(config, 'dev', { secretKey: true })).secretKey).toBe('dev-key');
    const prefixed = await load({ 'env.yaml': block }, { env: { NANGO_SECRET_KEY: 'dev-key' }, envPrefixes: ['CFG_'] });
    expect(lines(await resolveEnvironment(prefixed, 'dev', { secretKey: true }))).toEqual([
      'env.yaml:3:17: environments.dev.secret_key: NANGO_SECRET_KEY is not allowed by --env-prefix (allowed: CFG_)',
    ]);
  });

  it('reports a problem of a shared field once, and one of an integration only some environments have with their names', async () => {
    const config = await load({
      'env.yaml': ENVIRONMENTS,
      'a.yaml': 'integrations:\n  - unique_key: a\n    provider: posthog\n    display_nam: A\n  - unique_key: b\n    provider: posthog\n    display_nam: B\n    environments: [dev]\n',
    });
    const results = [await resolveEnvironment(config, 'dev'), await resolveEnvironment(config, 'prod')];
    expect(combineEnvironmentDiagnostics(config, results).map(formatDiagnostic)).toEqual([
      'a.yaml:4:5: display_nam: unknown field "display_nam" (did you mean "display_name"?)',
      'a.yaml:7:5: display_nam: unknown field "display_nam" (did you mean "display_name"?) (environment dev)',
    ]);
  });

  it('never lets an integration read a secret key variable', async () => {
    const config = await load(
      { 'env.yaml': ENVIRONMENTS, 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: posthog\n    display_name: ${KEY_PROD}\n' },
      { env: { KEY_PROD: 'prod-key' } },
    );
    expect(lines(await resolveEnvironment(config, 'dev'))).toEqual(['a.yaml:4:19: display_name: KEY_PROD may not be referenced here: it holds the secret key of an environment']);
  });
});

describe('selecting environments', () => {
  it('defaults to every declared environment, in declaration order', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS });
    expect(selectEnvironments(config)).toEqual({ names: ['dev', 'prod'], diagnostics: [] });
    expect(selectEnvironments(config, ['prod', 'dev,prod'])).toEqual({ names: ['dev', 'prod'], diagnostics: [] });
  });

  it('refuses an unknown name with a did-you-mean, from the flag or the variable', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS });
    expect(selectEnvironments(config, ['prd', 'dev']).diagnostics.map(formatDiagnostic)).toEqual([
      '--environment prd: unknown environment "prd" (did you mean "prod"?); declared: dev, prod (at env.yaml:1:1)',
    ]);
    expect(selectEnvironments(config, ['dev,staging'], 'env').diagnostics.map(formatDiagnostic)).toEqual([
      'env NANGO_GITOPS_ENVIRONMENT: "staging": unknown environment "staging"; declared: dev, prod (at env.yaml:1:1)',
    ]);
  });

  it('without an environments block: the one environment; a name is an error', async () => {
    const config = await load({ 'a.yaml': 'integrations: []\n' }, { env: { NANGO_HOST: 'http://127.0.0.1:3003' } });
    expect(config.environments).toBeUndefined();
    expect(selectEnvironments(config)).toEqual({ names: [undefined], diagnostics: [] });
    expect(selectEnvironments(config, ['dev']).diagnostics.map(formatDiagnostic)).toEqual([
      '--environment dev: this config declares no environments (it manages one, with NANGO_SECRET_KEY); add an environments: block to name them',
    ]);
    const single = await resolveEnvironment(config, undefined, { secretKey: true });
    expect(single).toMatchObject({ environment: undefined, host: 'http://127.0.0.1:3003' });
    expect(single.state).toBeUndefined();
    expect(lines(single)).toEqual(['env NANGO_SECRET_KEY: not set (the secret key of the Nango environment to reconcile)']);
  });

  it('a config with environments needs one named', async () => {
    const config = await load({ 'env.yaml': ENVIRONMENTS });
    expect(lines(await resolveEnvironment(config, undefined))).toEqual(['env.yaml:1:1: environments: this config declares environments (dev, prod): name the ones to use (--environment)']);
    expect(lines(await loadDesiredState({ paths: ['env.yaml'], cwd: t.path, env: {}, environment: 'prod' }))).toEqual([]);
    expect(lines(await resolveEnvironment(config, 'qa'))).toEqual(['unknown environment "qa"; declared: dev, prod']);
  });
});

// `validate` on a config with an environments block, as a process: every environment's merged view is
// checked, each with only its own variables, and no secret key is needed (validate never calls Nango).
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig } from '../helpers/cli.js';

const CONFIG = {
  'nango/environments.yaml': `settings:
  prune: false
environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    host: \${NANGO_HOST_PROD}
    settings: { max_deletes: 0 }
`,
  'nango/slack.yaml': `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      scopes: [chat:write]
    environments:
      dev:
        credentials: { client_id: dev-id, client_secret: "\${SLACK_DEV_SECRET}" }
      prod:
        display_name: Slack
        credentials: { client_id: prod-id, client_secret: "\${SLACK_PROD_SECRET}" }
  - unique_key: posthog
    provider: posthog
  - unique_key: posthog-trial
    provider: posthog
    environments: [dev]
`,
};

const ALL = { SLACK_DEV_SECRET: 'dev-slack-secret', SLACK_PROD_SECRET: 'prod-slack-secret', NANGO_HOST_PROD: 'https://nango.example.com' };

describe('validate with environments', () => {
  it('checks every environment and counts each one\'s integrations, without any secret key', async () => {
    const dir = tempConfig(CONFIG);
    const r = await runCli(['validate', '-c', 'nango'], { cwd: dir, env: ALL });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Valid: 3 integrations in 2 files.\n  environment dev: 3 integrations\n  environment prod: 2 integrations\n');
    expect(r.code).toBe(0);

    const json = await runCli(['validate', '-c', 'nango', '--format', 'json'], { cwd: dir, env: ALL });
    expect(JSON.parse(json.stdout)).toEqual({
      format_version: 1,
      valid: true,
      integrations: 3,
      files: 2,
      environments: [
        { name: 'dev', integrations: 3 },
        { name: 'prod', integrations: 2 },
      ],
      diagnostics: [],
    });
  });

  it('reports each environment\'s unset variables with their position and environment; --allow-missing-env accepts them', async () => {
    const dir = tempConfig(CONFIG);
    const r = await runCli(['validate', '-c', 'nango'], { cwd: dir, env: { SLACK_DEV_SECRET: 'dev-slack-secret' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'nango/environments.yaml:8:11: environments.prod.host: NANGO_HOST_PROD is not set (environment prod)',
      'nango/slack.yaml:12:59: credentials.client_secret: SLACK_PROD_SECRET is not set (environment prod)',
    ]);
    expect(r.stderr).not.toContain('dev-slack-secret');

    const lax = await runCli(['validate', '-c', 'nango', '--allow-missing-env'], { cwd: dir, env: {} });
    expect(lax.stderr).toBe('');
    expect(lax.code).toBe(0);
  });

  it('refuses a literal secret key and an unknown environment name with file:line:col, and never prints the key', async () => {
    const dir = tempConfig({
      ...CONFIG,
      'nango/environments.yaml': CONFIG['nango/environments.yaml'].replace('${NANGO_SECRET_KEY_PROD}', 'sk-prod-4f0c2a'),
      'nango/extra.yaml': 'integrations:\n  - unique_key: extra\n    provider: posthog\n    environments: [pord]\n',
    });
    for (const format of ['text', 'json']) {
      const r = await runCli(['validate', '-c', 'nango', '--allow-missing-env', '--format', format], { cwd: dir, env: {} });
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).not.toContain('sk-prod-4f0c2a');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).toContain('nango/environments.yaml:7:17: environments.prod.secret_key: must be one ${VAR} reference');
      expect(r.stderr).toContain('nango/extra.yaml:4:20: environments[0]: unknown environment "pord" (did you mean "prod"?); declared: dev, prod');
    }
  });
});

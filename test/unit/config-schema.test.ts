import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';
import { useTempDir } from '../fixtures/config/helpers.js';

const t = useTempDir();

async function lint(files: Record<string, string>, env: Record<string, string> = {}): Promise<string[]> {
  for (const [name, content] of Object.entries(files)) await t.write(name, content);
  const r = await loadDesiredState({ paths: Object.keys(files), cwd: t.path, env });
  expect(r.state).toBeUndefined();
  return r.diagnostics.map(formatDiagnostic);
}

describe('schema validation', () => {
  it('reports every error of every file with exact positions', async () => {
    const out = await lint({
      'nango/slack.yaml': [
        'integrations:', //                           1
        '  - unique_key: slack', //                   2
        '    provider: slack', //                     3
        '    forward_webhooks: "yes"', //             4
        '    credentials:', //                        5
        '      type: OAUTH2', //                      6
        '      client_id: abc', //                    7
        '      client_secrt: ${SECRET}', //           8
        '      scopes: 5', //                         9
        '  - provider: openai', //                   10
        '    display_nam: GitHub', //                11
        '',
      ].join('\n'),
      'nango/settings.yaml': 'settings:\n  max_deletes: -1\n  prune: no\n  extra: 1\nintegration: []\n',
    });
    expect(out).toEqual([
      'nango/settings.yaml:2:16: settings.max_deletes: must be >= 0',
      'nango/settings.yaml:3:10: settings.prune: must be true or false',
      'nango/settings.yaml:4:3: settings.extra: unknown field "extra"',
      'nango/settings.yaml:5:1: integration: unknown field "integration" (did you mean "integrations"?); a config file holds only "integrations", "settings" and "environments"',
      'nango/slack.yaml:4:23: forward_webhooks: must be true or false',
      'nango/slack.yaml:6:7: credentials: missing required field "client_secret"',
      'nango/slack.yaml:8:7: credentials.client_secrt: unknown field "client_secrt" (did you mean "client_secret"?)',
      'nango/slack.yaml:8:21: credentials.client_secrt: SECRET is not set',
      'nango/slack.yaml:9:15: credentials.scopes: must be a string or a list of strings',
      'nango/slack.yaml:10:5: integrations[1]: missing required field "unique_key"',
      'nango/slack.yaml:11:5: display_nam: unknown field "display_nam" (did you mean "display_name"?)',
    ]);
  });

  it('names the allowed credential types', async () => {
    const out = await lint({ 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: slack\n    credentials:\n      type: OAUTH3\n' });
    expect(out).toEqual(['a.yaml:5:13: credentials.type: "type" must be one of OAUTH1, OAUTH2, TBA, APP, CUSTOM']);
  });

  it('reports only the errors of the branch matching credentials.type', async () => {
    const out = await lint({
      'a.yaml': 'integrations:\n  - unique_key: gh\n    provider: github-app\n    credentials:\n      type: APP\n      app_id: 1\n      client_id: x\n',
    });
    expect(out).toEqual([
      'a.yaml:5:7: credentials: missing required field "app_link"',
      'a.yaml:5:7: credentials: missing required field "private_key"',
      'a.yaml:6:15: credentials.app_id: must be a string: quote it: app_id: "1"',
      'a.yaml:7:7: credentials.client_id: unknown field "client_id"',
    ]);
  });

  it('does not cast: a number in a string field is an error, a quoted one is fine', async () => {
    const out = await lint({ 'a.yaml': 'integrations:\n  - unique_key: 123\n    provider: openai\n    display_name: true\n  - unique_key: "123"\n    provider: openai\n' });
    expect(out).toEqual(['a.yaml:2:17: unique_key: must be a string: quote it: unique_key: "123"', 'a.yaml:4:19: display_name: must be a string: quote it: display_name: "true"']);
  });

  it('checks unique_key characters and length', async () => {
    const long = 'k'.repeat(256);
    const out = await lint({ 'a.yaml': `integrations:\n  - unique_key: "a/b"\n    provider: openai\n  - unique_key: ${long}\n    provider: openai\n` });
    expect(out).toEqual([
      'a.yaml:2:17: unique_key: may contain only letters, digits, spaces and ~ : . @ _ - (at most 255 characters)',
      'a.yaml:4:17: unique_key: must be at most 255 characters',
    ]);
  });

  it('rejects a document that is not a mapping', async () => {
    expect(await lint({ 'a.yaml': '- unique_key: a\n' })).toEqual(['a.yaml:1:1: a config file must be a mapping with "integrations" and/or "settings"']);
  });

  it('interpolated values are validated after substitution', async () => {
    const out = await lint({ 'a.yaml': 'settings:\n  protect: ["${P}"]\nintegrations:\n  - unique_key: a\n    provider: openai\n    display_name: ${K}\n' }, { K: 'x'.repeat(256), P: '' });
    expect(out).toEqual(['a.yaml:2:13: settings.protect[0]: must not be empty', 'a.yaml:6:19: display_name: must be at most 255 characters']);
  });
});

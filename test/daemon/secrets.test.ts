// No secret in anything the daemon shows: logs at trace level, /readyz, /metrics, through create,
// rotation, a failing API and a broken config.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';
import { secretForms } from '../helpers/secret-forms.js';
import { DEFAULT_SECRET_KEY } from '../emulator/server.js';
import { WITHHELD } from '../../src/redact.js';

const fixture = useEmulator();
const CANARIES = {
  SLACK_SECRET: 'canary-client-secret-0b7e41',
  SLACK_SIGNING: 'canary-webhook-secret-93fa2c',
  SLACK_NAME: 'canary-display-name-5e1d07',
  ROTATED: 'canary-rotated-secret-c4d821',
};

const config = (secretVar: string): string => `integrations:
  - unique_key: slack
    provider: slack
    display_name: \${SLACK_NAME}
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${${secretVar}}
      webhook_secret: \${SLACK_SIGNING}
      scopes: [chat:write]
`;

describe('daemon secrets', () => {
  it('never shows a secret value, whatever happens', async () => {
    const dir = tempConfig({ 'slack.yaml': config('SLACK_SECRET') });
    const daemon = await startDaemon({ args: ['-c', dir, '--log-level', 'trace', '--debounce', '100'], env: fixture.env(CANARIES) });
    await daemon.waitForReconciles(1);
    expect(fixture.emu.integration('slack')?.credentials).toMatchObject({ client_secret: CANARIES.SLACK_SECRET });

    writeFileSync(join(dir, 'slack.yaml'), config('ROTATED'));
    await daemon.waitForReconciles(2);
    expect(fixture.emu.integration('slack')?.credentials).toMatchObject({ client_secret: CANARIES.ROTATED });

    // 429 with Retry-After: 0 is retried at once, so the client gives up quickly.
    fixture.emu.setFaults({ rate: 1, kinds: ['429-retry-0'], methods: ['PATCH'] });
    writeFileSync(join(dir, 'slack.yaml'), config('SLACK_SECRET'));
    const failed = await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error');
    expect(failed).toMatchObject({ stage: 'apply' });
    fixture.emu.setFaults(undefined);

    writeFileSync(join(dir, 'slack.yaml'), `${config('SLACK_SECRET')}  - unique_key: broken\n    provider: \${NOT_SET}\n`);
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.stage === 'config');

    const shown = [daemon.stdout(), daemon.stderr(), (await daemon.get('/readyz')).text, (await daemon.get('/metrics')).text].join('\n');
    expect(shown).toContain('NOT_SET');
    for (const value of Object.values(CANARIES)) expect(shown).not.toContain(value);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  describe('a server that quotes the request back in its errors', () => {
    const config = `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${ECHO_SECRET}
      webhook_secret: \${ECHO_SIGNING}
`;

    /** Everything the daemon shows: logs at trace level, /readyz, /healthz, /metrics. */
    async function everything(daemon: Awaited<ReturnType<typeof startDaemon>>): Promise<string> {
      const bodies = await Promise.all(['/readyz', '/healthz', '/metrics'].map(async (path) => (await daemon.get(path)).text));
      return [daemon.stdout(), daemon.stderr(), ...bodies].join('\n');
    }

    it('the failed change is logged without any form of a secret', async () => {
      fixture.emu.setEchoRequestBody(true);
      fixture.emu.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
      const secrets = { ECHO_SECRET: 'q"uo\\te/é\nsecret-7d1e', ECHO_SIGNING: "sign'ing$&secret-40b2" };
      const dir = tempConfig({ 'slack.yaml': config });
      const daemon = await startDaemon({ args: ['-c', dir, '--log-level', 'trace'], env: fixture.env(secrets) });
      const change = await daemon.waitFor((l) => l.msg === 'change' && l.result === 'failed');
      expect(String(change.error)).toMatch(/^POST \/integrations failed \(400 invalid_body\): Invalid request body \(request body: .*\(sensitive\)/);
      await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error');
      const shown = await everything(daemon);
      for (const value of Object.values(secrets)) {
        for (const form of secretForms(value)) expect(shown.includes(form), `shows ${JSON.stringify(form)}`).toBe(false);
      }
      for (const form of secretForms(DEFAULT_SECRET_KEY, { caseInsensitive: true })) expect(shown).not.toContain(form);
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    });

    it('a secret equal to a word of the log ("apply") withholds the server text and leaves the log alone', async () => {
      fixture.emu.setEchoRequestBody(true);
      fixture.emu.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
      const dir = tempConfig({ 'slack.yaml': config });
      const daemon = await startDaemon({ args: ['-c', dir, '--log-level', 'trace'], env: fixture.env({ ECHO_SECRET: 'apply', ECHO_SIGNING: 'error' }) });
      const change = await daemon.waitFor((l) => l.msg === 'change' && l.result === 'failed');
      expect(change).toMatchObject({ unique_key: 'slack', action: 'create', error: `POST /integrations failed (400 invalid_body): ${WITHHELD}` });
      const reconcile = await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error');
      expect(reconcile).toMatchObject({ mode: 'apply', stage: 'apply', result: 'error' });
      const shown = await everything(daemon);
      expect(shown).toContain('"mode":"apply"');
      expect(shown).not.toContain('(sensitive)');
      expect(shown).not.toContain('request body');
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    });
  });
});

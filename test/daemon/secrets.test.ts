// No secret in anything the daemon shows: logs at trace level, /readyz, /metrics, through create,
// rotation, a failing API and a broken config.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

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
});

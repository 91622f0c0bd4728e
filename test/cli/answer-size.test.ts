// Answers from the server are bounded: a huge answer fails the run with one line while it streams in,
// instead of being buffered until the process runs out of memory.
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();

// Prints the process's peak RSS (kB) on exit, so the test sees what the CLI really held.
const PEAK_RSS = `--import=data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kb="+process.resourceUsage().maxRSS+"\\n"))`;

const POSTHOG = { 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' };
const SLACK = {
  'a.yaml': `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: id
      client_secret: \${SECRET}
`,
};

describe('response size caps', () => {
  it('a 200 MB list answer fails with one line at the 16 MiB default, in a 64 MB heap, without a retry', async () => {
    fixture.emu.seed([{ unique_key: 'analytics', provider: 'posthog' }]);
    fixture.emu.setAnswerPadding(200 * 1024 * 1024);
    const r = await runCli(['plan', '-c', tempConfig(POSTHOG)], { env: fixture.env(), nodeArgs: ['--max-old-space-size=64', PEAK_RSS] });
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    const peak = lines.find((l) => l.startsWith('peak-rss-kb='));
    const errors = lines.filter((l) => l !== peak);
    expect(errors).toEqual([
      `error: Nango API: GET /integrations: the answer from NANGO_HOST (${fixture.emu.url}) is larger than 16777216 bytes; stopped reading (raise it with --max-list-response-bytes or NANGO_GITOPS_MAX_LIST_RESPONSE_BYTES)`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(fixture.emu.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /integrations']);
    // Node itself takes 40-60 MB; the cap adds at most 16 MiB of chunks. Buffering the answer took 694 MB.
    const peakMb = Number(peak?.split('=')[1]) / 1024;
    expect(peakMb).toBeGreaterThan(0);
    expect(peakMb).toBeLessThan(160);
  });

  it('one integration above --max-response-bytes (set by env) fails while a padded list within its cap passes', async () => {
    fixture.emu.seed([{ unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'id', client_secret: 's', scopes: null, webhook_secret: null } }]);
    fixture.emu.setAnswerPadding(100_000);
    const r = await runCli(['plan', '-c', tempConfig(SLACK)], { env: fixture.env({ SECRET: 's', NANGO_GITOPS_MAX_RESPONSE_BYTES: '50000' }) });
    expect(r.stderr).toBe(
      `error: Nango API: GET /integrations/slack: the answer from NANGO_HOST (${fixture.emu.url}) is larger than 50000 bytes; stopped reading (raise it with --max-response-bytes or NANGO_GITOPS_MAX_RESPONSE_BYTES)\n`,
    );
    expect(r.code).toBe(1);
    expect(fixture.emu.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /integrations', 'GET /integrations/slack']);

    const raised = await runCli(['plan', '-c', tempConfig(SLACK), '--max-response-bytes', '200000'], { env: fixture.env({ SECRET: 's', NANGO_GITOPS_MAX_RESPONSE_BYTES: '50000' }) });
    expect(raised.stderr).toBe('');
    expect(raised.code).toBe(0);
  });
});

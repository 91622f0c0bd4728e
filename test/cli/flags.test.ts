// Integer flags take decimal digits within their documented range, and durations take digits with a
// unit; anything else is a usage error naming the flag (and the variable it came from), exit 1, before
// any request.
import { describe, expect, it } from 'vitest';
import { INTEGER_RANGES, positiveInt } from '../../src/cli/options.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const CONFIG = { 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' };

/** Number() takes all of these: hex, exponents, spaces, a sign, a fraction; and "" as 0. */
const NOT_DIGITS = ['0x10', '1e99', '1e3', '', '-1', ' 5', '5 ', '5.0', '+5', '٣', '1_000'];

const FLAGS: Array<{ flag: string; variable: string; usage: string; range: string; outside: string[] }> = [
  { flag: '--timeout', variable: 'NANGO_GITOPS_TIMEOUT', usage: '--timeout <ms>', range: 'from 1 to 2147483647', outside: ['0', '2147483648', '99999999999999999999999'] },
  { flag: '--concurrency', variable: 'NANGO_GITOPS_CONCURRENCY', usage: '--concurrency <n>', range: 'from 1 to 256', outside: ['0', '257'] },
  { flag: '--max-deletes', variable: 'NANGO_GITOPS_MAX_DELETES', usage: '--max-deletes <n>', range: 'from 0 to 10000', outside: ['10001'] },
];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function expectUsageError(r: CliResult, first: RegExp): void {
  const context = `exit ${String(r.code)}\nstderr:\n${r.stderr}\nstdout:\n${r.stdout}`;
  expect(r.code, context).toBe(1);
  expect(r.stderr.split('\n')[0], context).toMatch(first);
  expect(r.stderr, context).not.toMatch(/^\s+at |internal error/m);
  expect(r.stdout, context).toBe('');
  expect(fixture.emu.requests, context).toEqual([]);
}

describe('integer flags', () => {
  for (const { flag, variable, usage, range, outside } of FLAGS) {
    const message = `${escape(flag)} must be a whole number ${range}, in decimal digits$`;

    it.each([...NOT_DIGITS, ...outside].map((v) => [JSON.stringify(v), v]))(`${flag}=%s is a usage error naming the flag`, async (_shown, value) => {
      const r = await runCli(['plan', '-c', tempConfig(CONFIG), `${flag}=${value}`], { env: fixture.env() });
      expectUsageError(r, new RegExp(`^error: option '${escape(usage)}' argument '${escape(value)}' is invalid\\. ${message}`));
    });

    it.each(['0x10', '1e99', '', ' 5', '5.0', '+5', '-1', ...outside].map((v) => [JSON.stringify(v), v]))(`${variable}=%s is a usage error naming the variable`, async (_shown, value) => {
      const r = await runCli(['apply', '-c', tempConfig(CONFIG)], { env: fixture.env({ [variable]: value }) });
      expectUsageError(r, new RegExp(`^error: option '${escape(usage)}' value '${escape(value)}' from env '${variable}' is invalid\\. ${message}`));
    });
  }

  it('accept the ends of their ranges, and leading zeros', async () => {
    fixture.emu.seed([{ unique_key: 'analytics', provider: 'posthog' }]);
    const dir = tempConfig(CONFIG);
    for (const args of [
      ['--timeout', '2147483647', '--concurrency', '256', '--max-deletes', '10000'],
      ['--timeout', '5000', '--concurrency', '1', '--max-deletes', '0'],
      ['--timeout', '030000', '--concurrency', '08', '--max-deletes', '00'],
    ]) {
      const r = await runCli(['plan', '-c', dir, ...args], { env: fixture.env() });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('parse to the number written (the parser, at the ends of each range)', () => {
    for (const [name, [min, max]] of Object.entries(INTEGER_RANGES)) {
      const parse = positiveInt(name, min, max);
      expect(parse(String(min))).toBe(min);
      expect(parse(String(max))).toBe(max);
      expect(parse(`00${min + 1}`)).toBe(min + 1);
      expect(() => parse(String(min - 1))).toThrow(`${name} must be a whole number from ${min} to ${max}, in decimal digits`);
      expect(() => parse(String(max + 1))).toThrow(`${name} must be a whole number from ${min} to ${max}, in decimal digits`);
    }
  });

  it('export checks --timeout and --concurrency the same way', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--timeout', '0x10'], {}, /^error: option '--timeout <ms>' argument '0x10' is invalid\. --timeout must be a whole number from 1 to 2147483647/],
      [[], { NANGO_GITOPS_CONCURRENCY: '1e3' }, /^error: option '--concurrency <n>' value '1e3' from env 'NANGO_GITOPS_CONCURRENCY' is invalid\. --concurrency must be a whole number from 1 to 256/],
      [['--concurrency', '257'], {}, /^error: option '--concurrency <n>' argument '257' is invalid\./],
    ];
    for (const [args, extra, first] of cases) {
      const r = await runCli(['export', ...args], { env: fixture.env(extra) });
      expectUsageError(r, first);
    }
  });
});

describe('daemon flags', () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--timeout', '1e3'], {}, /^error: option '--timeout <ms>' argument '1e3' is invalid\. --timeout must be a whole number/],
    [[], { NANGO_GITOPS_MAX_DELETES: '' }, /^error: option '--max-deletes <n>' value '' from env 'NANGO_GITOPS_MAX_DELETES' is invalid\./],
    // Beyond 2^31-1 ms Node fires the jitter timer at once, with a warning.
    [['--jitter', '1000h'], {}, /^error: option '--jitter <duration>' argument '1000h' is invalid\. --jitter must be a duration such as .*, from 0 to 2147483647 ms$/],
    [['--full-refresh-interval', '600h'], {}, /^error: option '--full-refresh-interval <duration>' argument '600h' is invalid\./],
    [['--debounce', ' 5s'], {}, /^error: option '--debounce <duration>' argument ' 5s' is invalid\./],
    [[], { NANGO_GITOPS_SHUTDOWN_TIMEOUT: '5 s' }, /^error: option '--shutdown-timeout <duration>' value '5 s' from env 'NANGO_GITOPS_SHUTDOWN_TIMEOUT' is invalid\./],
    [[], { NANGO_GITOPS_JITTER: '+1s' }, /^error: option '--jitter <duration>' value '\+1s' from env 'NANGO_GITOPS_JITTER' is invalid\./],
  ];
  it.each(cases.map((c) => [[...c[0], ...Object.entries(c[1]).map(([k, v]) => `${k}=${JSON.stringify(v)}`)].join(' '), c] as const))(
    '%s is a usage error; the daemon does not start',
    async (_name, [args, extra, first]) => {
      // A daemon that started would run until killed: the timeout turns that into a failure.
      const r = await runCli(['daemon', '-c', tempConfig(CONFIG), '--listen', '127.0.0.1:0', ...args], { env: fixture.env(extra), timeoutMs: 8_000 });
      expectUsageError(r, first);
    },
  );
});

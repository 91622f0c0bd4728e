// Values from config and from the API are data in every output format: they cannot split a markdown
// table, ping people, load images, start a GitHub workflow command or drive the terminal. Run through the
// built CLI against an emulator seeded with hostile integrations.
import { describe, expect, it } from 'vitest';
import type { SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const apiKey = (key: string, extra: Partial<SeedIntegration> = {}): SeedIntegration => ({ unique_key: key, provider: 'posthog', ...extra });
const FORMATS = ['text', 'markdown', 'github'] as const;

/** Markdown that would link, embed, mention or inject HTML if rendered outside a code span. */
const MARKUP = '| cell `tick` @octocat @acme/owners ![i](https://e.example/i.png) [l](https://e.example) <img src=x> https://e.example/a www.e.example #12 &#64;x';

/** cmark-gfm: a `|` preceded by a backslash never splits a cell, whatever precedes the backslash. */
const unescapedPipes = (line: string): number => line.match(/(?<!\\)\|/g)?.length ?? 0;

/** A line with its code spans removed and its backslash escapes resolved (CommonMark rules). */
function outsideCode(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; ) {
    if (line[i] === '\\' && i + 1 < line.length && /[!-/:-@[-`{-~]/.test(line[i + 1]!)) {
      out += '\u0000'; // an escaped character is literal text, never markup
      i += 2;
      continue;
    }
    if (line[i] === '`') {
      const fence = /^`+/.exec(line.slice(i))![0];
      const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
      close.lastIndex = i + fence.length;
      const end = close.exec(line);
      if (end) {
        out += ' ';
        i = end.index + fence.length;
        continue;
      }
      out += fence;
      i += fence.length;
      continue;
    }
    out += line[i];
    i++;
  }
  return out;
}

describe('keys that are not plain letters, digits, _ and -', () => {
  it('are shown quoted (JSON-style) in text, markdown and github output, and raw in JSON', async () => {
    fixture.emu.seed([apiKey('slack prod'), apiKey('a.b'), apiKey('plain-key_1')]);
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: "my key"\n    provider: posthog\n  - unique_key: x@y\n    provider: posthog\n' });
    const out: Record<string, string> = {};
    for (const format of FORMATS) {
      const r = await runCli(['plan', '-c', dir, '--format', format], { env: fixture.env() });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      out[format] = r.stdout;
    }
    for (const format of ['text', 'github'] as const) {
      expect(out[format]).toContain('  + create "my key" (posthog)');
      expect(out[format]).toContain('  + create "x@y" (posthog)');
      expect(out[format]).toContain('Unmanaged (in Nango, not in config, left alone): "a.b", plain-key_1, "slack prod"');
    }
    expect(out['markdown']).toContain('create `"my key"` (`posthog`)');
    expect(out['markdown']).toContain('Unmanaged (left alone): `"a.b"`, `plain-key_1`, `"slack prod"`');

    const json = await runCli(['plan', '-c', dir, '--format', 'json'], { env: fixture.env() });
    const plan = JSON.parse(json.stdout) as { changes: Array<{ unique_key: string }>; unmanaged: string[] };
    expect(plan.changes.map((c) => c.unique_key)).toEqual(['my key', 'x@y']);
    expect(plan.unmanaged).toEqual(['a.b', 'plain-key_1', 'slack prod']);
  });
});

describe('markdown', () => {
  it('a display name from the API and a config value cannot split the table, mention, link, embed or inject HTML', async () => {
    fixture.emu.seed([apiKey('cfg', { display_name: MARKUP }), apiKey('@octocat'), apiKey('left `alone` | @octocat')]);
    const dir = tempConfig({
      'a.yaml': [
        'integrations:',
        '  - unique_key: cfg',
        '    provider: posthog',
        '    display_name: Clean',
        '    integration_config:',
        `      ${JSON.stringify(MARKUP)}: v`,
        '  - unique_key: team',
        '    renamed_from: "@octocat"',
        '    provider: posthog',
        '',
      ].join('\n'),
    });
    const r = await runCli(['plan', '-c', dir, '--format', 'markdown', '--protect', '@octo*'], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    const lines = r.stdout.split('\n');
    // The counts table (the tool's own numbers: header, delimiter, one row of 7 counts) comes first.
    const counts = lines.findIndex((l) => l.startsWith('| Create |'));
    expect(lines.slice(counts + 2, counts + 3), r.stdout).toEqual(['| 0 | 1 | 1 | 0 | 0 | 0 | 1 |']);
    const rows = lines.filter((l, i) => l.startsWith('|') && (i < counts || i > counts + 2));
    expect(rows.length, r.stdout).toBe(4); // header, delimiter, update cfg, rename team
    for (const row of rows) expect(unescapedPipes(row), row).toBe(4);

    // The refusal's alert line is the tool's own (a value's `[` is escaped or in a code span, so none can forge it).
    expect(lines).toContain('> [!CAUTION]');
    for (const line of lines.filter((l) => l !== '> [!CAUTION]')) {
      const text = outsideCode(line);
      const context = `${line}\n→ outside code spans: ${text}`;
      expect(text, context).not.toMatch(/@[A-Za-z0-9]/); // @user, @org/team: a ping
      expect(text, context).not.toMatch(/[[\]]/); // [text](url), ![alt](url), [ref]
      expect(text, context).not.toMatch(/<(?!br>|\/?details>|\/?summary>|!-- nango-gitops-plan -->$)/); // <img>, <https://...>
      expect(text, context).not.toMatch(/:\/\/|www\./i); // bare URLs GitHub would autolink
      expect(text, context).not.toMatch(/(?<!&)#\d/); // issue references
      expect(text, context).not.toMatch(/&(?!#8203;)/); // entities (&#64; is an @)
    }
    // The values are still there, readable: the display name in a code span whose fence outlasts its backtick.
    expect(r.stdout).toContain(`\`\`"${MARKUP.replaceAll('|', '\\|')}"\`\``);
    expect(r.stdout).toContain('octocat');
    expect(r.stdout).toContain('is protected');
  });
});

describe('markdown folds', () => {
  it('a long list diff is folded in the tool\'s own <details>; list items from the API cannot open, close or forge a fold, link or ping', async () => {
    const HOSTILE = ['</details>', '<details open>', '<summary>x</summary>', '<img src=x>', '@octocat', 'a|b', '[l](https://e.example)'];
    const kept = Array.from({ length: 6 }, (_, i) => `kept:${i}`);
    fixture.emu.seed([{ unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'c', client_secret: 'fold-canary-secret', scopes: [...kept, ...HOSTILE].join(','), webhook_secret: null } }]);
    const scopes = [...kept, 'new:1', 'new:2'].map((s) => `        - ${JSON.stringify(s)}`).join('\n');
    const dir = tempConfig({ 'a.yaml': `integrations:\n  - unique_key: slack\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: c\n      client_secret: \${SLACK_SECRET}\n      scopes:\n${scopes}\n` });
    const r = await runCli(['plan', '-c', dir, '--format', 'markdown'], { env: fixture.env({ SLACK_SECRET: 'fold-canary-secret' }) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('fold-canary-secret');
    const row = r.stdout.split('\n').find((l) => l.startsWith('| `~`')) ?? '';
    expect(row, r.stdout).toContain('<details><summary>1 field, 11 lines</summary>');
    expect(unescapedPipes(row), row).toBe(4);
    // Outside code spans, the only tags are the tool's own fold, opened and closed once, and its <br>s.
    const text = outsideCode(row);
    expect(text.match(/<[^>]*>/g)?.filter((t) => t !== '<br>'), row).toEqual(['<details>', '<summary>', '</summary>', '</details>']);
    expect(text, row).not.toMatch(/@[A-Za-z0-9]|[[\]]|:\/\//);
  });
});

describe('--format github', () => {
  const HOSTILE_KEY = 'evil\n::error::pwned-by-key';
  const HOSTILE_NAME = 'x\r\n::warning file=a.yaml::pwned-by-name%0A::error::pwned-by-percent';

  it('a key or display name from the API cannot start a workflow command on stdout or stderr', async () => {
    fixture.emu.seed([apiKey(HOSTILE_KEY), apiKey('shown', { display_name: HOSTILE_NAME }), apiKey('p%0A::error::pwned-by-encoded-key')]);
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: shown\n    provider: posthog\n    display_name: Clean\n' });
    // --max-deletes 0 blocks the deletes, so the hostile keys also reach the annotations' properties.
    const r = await runCli(['plan', '-c', dir, '--format', 'github', '--prune', '--max-deletes', '0'], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    // The runner reads lines split at \n or \r, trims leading spaces and takes any `::` start as a command.
    const commands = `${r.stdout}\n${r.stderr}`.split(/\r\n|\r|\n/).filter((l) => l.trimStart().startsWith('::'));
    expect(commands.length, r.stdout).toBe(2);
    for (const c of commands) expect(c, r.stdout).toMatch(/^::error title=blocked%3A delete [^:,\r\n]*::[^\r\n]+$/);
    expect(r.stdout).not.toMatch(/^\s*::(?!error title=blocked%3A delete )/m);
    expect(r.stdout).toContain('title=blocked%3A delete "evil\\n%3A%3Aerror%3A%3Apwned-by-key"::');
    expect(r.stdout).toContain('title=blocked%3A delete "p%250A%3A%3Aerror%3A%3Apwned-by-encoded-key"::');
    expect(r.stdout).toContain('- delete "evil\\n::error::pwned-by-key" (posthog)');
    expect(r.stdout).toContain('~ display_name: "x\\r\\n::warning file=a.yaml::pwned-by-name%0A::error::pwned-by-percent" → "Clean"');
  });
});

describe('error lines', () => {
  it('a value quoted in a one-line error (here a --plan-file path) cannot start a second line', async () => {
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: shown\n    provider: posthog\n' });
    const r = await runCli(['apply', '-c', dir, '--format', 'github', '--plan-file', `${dir}/nope\n::error::pwned`], { env: fixture.env() });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: \S+\/nope\\n::error::pwned: cannot read the reviewed plan/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

describe('text', () => {
  it('control, bidi and zero-width characters from the API are shown escaped, never sent to the terminal', async () => {
    fixture.emu.seed([
      apiKey('red\u001b[31m-key'),
      apiKey('shown', { display_name: 'name\u202e\u2066txet\u200b\u0007\u009b31m' }),
    ]);
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: shown\n    provider: posthog\n    display_name: Clean\n' });
    const outputs: string[] = [];
    // The apply's DELETE fails (like Nango, the emulator refuses such a key in the path): its error is shown too.
    const runs = [
      { args: ['plan'], code: 0 },
      { args: ['plan', '--prune', '--max-deletes', '0'], code: 3 },
      { args: ['apply', '--prune', '--max-deletes', '1'], code: 1 },
    ];
    for (const { args, code } of runs) {
      const r = await runCli([...args, '-c', dir], { env: fixture.env() });
      outputs.push(r.stdout);
      expect(r.code, r.stdout + r.stderr).toBe(code);
      for (const out of [r.stdout, r.stderr]) {
        expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/);
      }
      expect(r.stdout).toContain('"red\\u001b[31m-key"');
    }
    expect(outputs[2]).toContain('DELETE /integrations/red\\u001b[31m-key failed (400 invalid_uri_params)');
    expect(outputs[0]).toContain('~ display_name: "name\\u202e\\u2066txet\\u200b\\u0007\\u009b31m" → "Clean"');
  });
});

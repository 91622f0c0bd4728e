import { describe, expect, it } from 'vitest';
import { escapeControls, quoteKey, showKey } from '../../src/escape.js';
import { buildPlan } from '../../src/plan/plan.js';
import type { Change } from '../../src/plan/types.js';
import { renderPlanGithub } from '../../src/render/github.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { markdownCode, markdownText } from '../../src/render/markdown-escape.js';
import { lookAlikeForm } from '../../src/safety/keys.js';

const plan = (changes: Change[], unmanaged: string[] = []) => buildPlan({ changes, unchanged: 0, unmanaged, notes: [], diagnostics: [] });

describe('escapeControls', () => {
  it('escapes controls, separators, bidi and zero-width characters, and keeps the rest', () => {
    expect(escapeControls('a\nb\r\tc\u0000\u001b[1m\u007f\u0085\u009b')).toBe('a\\nb\\r\\tc\\u0000\\u001b[1m\\u007f\\u0085\\u009b');
    expect(escapeControls('\u2028\u2029\u202e\u2066\u200e\u061c\u200b\u2060\ufeff')).toBe('\\u2028\\u2029\\u202e\\u2066\\u200e\\u061c\\u200b\\u2060\\ufeff');
    // Emoji sequences and scripts that need joiners are left readable.
    expect(escapeControls('Ünïcödé 👨‍👩‍👧 می‌خواهم')).toBe('Ünïcödé 👨‍👩‍👧 می‌خواهم');
  });
});

describe('keys', () => {
  it('plain keys are bare; any other key is a JSON string in printable ASCII', () => {
    expect(showKey('slack-prod_2')).toBe('slack-prod_2');
    expect(showKey('slack prod')).toBe('"slack prod"');
    expect(showKey('a.b')).toBe('"a.b"');
    expect(showKey('')).toBe('""');
    expect(quoteKey('slack-prod')).toBe('"slack-prod"');
    expect(quoteKey('\uff53lack"\\\n\u{1f600}')).toBe('"\\uff53lack\\"\\\\\\n\\ud83d\\ude00"');
    expect(JSON.parse(quoteKey('\uff53lack"\\\n\u{1f600}'))).toBe('\uff53lack"\\\n\u{1f600}');
  });

  it('look-alike form: case, spaces, compatibility forms and invisible characters do not count', () => {
    const same = ['slack-prod', 'Slack-Prod', ' slack-prod ', 'slack-prod\u00a0', '\uff53lack-prod', 'slack\u200b-prod', 'SLACK-PROD\ufeff'];
    for (const k of same) expect(lookAlikeForm(k), JSON.stringify(k)).toBe('slack-prod');
    expect(lookAlikeForm('straße')).toBe(lookAlikeForm('STRASSE'));
    expect(lookAlikeForm('slack  prod')).toBe(lookAlikeForm('slack prod'));
    expect(lookAlikeForm('slack-prod')).not.toBe(lookAlikeForm('slack_prod'));
    expect(lookAlikeForm('slack-prod')).not.toBe(lookAlikeForm('slack-prod2'));
  });
});

describe('markdown', () => {
  it('code spans outlast the backticks inside, pad a body that starts or ends with one, and escape pipes in tables', () => {
    expect(markdownCode('plain', true)).toBe('`plain`');
    expect(markdownCode('a ``b`` c', false)).toBe('```a ``b`` c```');
    expect(markdownCode('`x`', false)).toBe('`` `x` ``');
    expect(markdownCode('a|b\\|c', true)).toBe('`a\\|b\\\\|c`');
    expect(markdownCode('a|b', false)).toBe('`a|b`');
    expect(markdownCode('line\nbreak', true)).toBe('`line\\nbreak`');
  });

  it('free text cannot mention, link, embed, inject HTML or entities, or split a table', () => {
    expect(markdownText('@octocat and @acme/owners')).toBe('@&#8203;octocat and @&#8203;acme/owners');
    expect(markdownText('![i](https://e.example/i.png) [l](x)')).toBe('!\\[i\\](https:&#8203;//e.example/i.png) \\[l\\](x)');
    expect(markdownText('<img src=x> www.e.example #12 &#64; a|b *c* _d_ ~e~ $f$ `g` \\')).toBe(
      '\\<img src=x\\> www&#8203;.e.example #&#8203;12 \\&#&#8203;64; a\\|b \\*c\\* \\_d\\_ \\~e\\~ \\$f\\$ \\`g\\` \\\\',
    );
    expect(markdownText('two\nlines')).toBe('two\\\\nlines');
  });

  it('keys and providers from the API are code spans in the table', () => {
    const out = renderPlanMarkdown(plan([{ action: 'delete', unique_key: 'k|`x`', provider: 'p|<img src=x>', fields: [], connections: 0 }], ['@octocat']));
    expect(out).toContain('| `-` | delete ``"k\\|`x`"`` (`"p\\|<img src=x>"`): not declared in any file; prune is on |  |');
    expect(out).toContain('Unmanaged (left alone): `"@octocat"`');
  });
});

describe('--format github', () => {
  it('keys and providers from the API never start a command, in the text or in an annotation', () => {
    const hostile: Change = { action: 'delete', unique_key: 'k\n::error::a', provider: 'p\r::error::b', fields: [], connections: 0, blocked: 'reason\n::error::c %0A' };
    const out = renderPlanGithub(plan([hostile]));
    const commands = out.split(/\r\n|\r|\n/).filter((l) => l.trimStart().startsWith('::'));
    expect(commands).toEqual(['::error title=blocked%3A delete "k\\n%3A%3Aerror%3A%3Aa"::reason\\n::error::c %250A']);
    expect(out).toContain('  - delete "k\\n::error::a" ("p\\r::error::b"): not declared in any file; prune is on');
  });
});

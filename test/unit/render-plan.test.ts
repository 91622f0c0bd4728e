// The text and markdown renderers as a reviewer reads them: Terraform's colours (only when asked, and
// never on a value's say), lists diffed item by item, deletes that say why, and a markdown comment with
// a heading, a refusal banner and long details folded.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/plan.js';
import type { Change, FieldChange } from '../../src/plan/types.js';
import { ansi, plain, shouldColor } from '../../src/render/color.js';
import { renderPlanMarkdown, summaryTable } from '../../src/render/markdown.js';
import { renderApplyText, renderPlanText } from '../../src/render/text.js';
import { renderEnvironmentsMarkdown } from '../../src/render/environments.js';
import { renderEnvironmentsApplied } from '../../src/render/environments-applied.js';
import type { EnvironmentOutcome } from '../../src/reconcile/run-environment.js';

const plan = (changes: Change[]) => buildPlan({ changes, unchanged: 0, unmanaged: [], notes: [], diagnostics: [] });
const ESC = '\u001b';
const GREEN = `${ESC}[32m`;
const YELLOW = `${ESC}[33m`;
const RED = `${ESC}[31m`;
const BOLD = `${ESC}[1m`;
/** Every escape sequence in a string: each must be one of the renderer's own SGR codes. */
const sequences = (s: string): string[] => s.match(/\u001b[^m]*m?/g) ?? [];
const OWN = new Set([GREEN, YELLOW, RED, BOLD, `${ESC}[39m`, `${ESC}[22m`]);

const scopes = (n: number, prefix = 'scope'): string[] => Array.from({ length: n }, (_, i) => `${prefix}:${String(i).padStart(2, '0')}`);
const scopeField = (before: unknown, after: unknown): FieldChange => ({ path: 'credentials.scopes', before, after });
const update = (fields: FieldChange[], key = 'hubspot'): Change => ({ action: 'update', unique_key: key, provider: 'hubspot', fields });

describe('shouldColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('--color always/never win over everything', () => {
    expect(shouldColor('always', pipe, { NO_COLOR: '1' })).toBe(true);
    expect(shouldColor('never', tty, { FORCE_COLOR: '1' })).toBe(false);
  });
  it('auto: a terminal (not TERM=dumb) unless NO_COLOR; FORCE_COLOR forces, even a pipe, and wins over NO_COLOR', () => {
    expect(shouldColor('auto', tty, { TERM: 'xterm' })).toBe(true);
    expect(shouldColor('auto', pipe, { TERM: 'xterm' })).toBe(false);
    expect(shouldColor('auto', tty, { TERM: 'dumb' })).toBe(false);
    expect(shouldColor('auto', tty, { NO_COLOR: '1' })).toBe(false);
    expect(shouldColor('auto', tty, { NO_COLOR: '' })).toBe(true); // no-color.org: an empty value is unset
    expect(shouldColor('auto', pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldColor('auto', pipe, { FORCE_COLOR: '3', NO_COLOR: '1' })).toBe(true);
    expect(shouldColor('auto', tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(shouldColor('auto', tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(shouldColor('auto', pipe, { FORCE_COLOR: '' })).toBe(false); // empty: as if unset, not "force"
  });
});

describe('text colours', () => {
  const changes: Change[] = [
    { action: 'create', unique_key: 'new', provider: 'posthog', fields: [{ path: 'display_name', after: 'New' }] },
    update([{ path: 'display_name', before: 'A', after: 'B' }], 'upd'),
    { action: 'delete', unique_key: 'old', provider: 'posthog', fields: [], connections: 0, blocked: 'more than --max-deletes 0' },
  ];

  it("create green, update yellow, delete red, blocked and the refusal bold red; plain paint adds nothing", () => {
    const out = renderPlanText(plan(changes), ansi);
    expect(out).toContain(`  ${GREEN}+ create new (posthog)${ESC}[39m`);
    expect(out).toContain(`      ${GREEN}+${ESC}[39m display_name = "New"`);
    expect(out).toContain(`  ${YELLOW}~ update upd (hubspot)${ESC}[39m`);
    expect(out).toContain(`      ${YELLOW}~${ESC}[39m display_name: "A" → "B"`);
    expect(out).toContain(`  ${RED}- delete old (posthog): not declared in any file; prune is on${ESC}[39m`);
    expect(out).toContain(`${BOLD}${RED}! blocked: more than --max-deletes 0`);
    expect(out).toContain(`${BOLD}${RED}Refused: 1 change is blocked`);
    expect(renderPlanText(plan(changes), plain)).not.toContain(ESC);
    expect(renderPlanText(plan(changes), plain)).toBe(renderPlanText(plan(changes)));
  });

  it('colour is added after escaping: an escape code in a key or value is shown as text, and only our codes reach the terminal', () => {
    const hostile: Change[] = [
      { action: 'create', unique_key: `red${ESC}[31m-key`, provider: 'posthog', fields: [{ path: 'display_name', after: `x${ESC}]0;title\u0007${ESC}[0m` }] },
      update([scopeField(['a'], [`b${ESC}[2J`])], `u${ESC}[1m`),
    ];
    const out = renderPlanText(plan(hostile), ansi);
    expect(out).toContain('"red\\u001b[31m-key"');
    expect(out).toContain('"x\\u001b]0;title\\u0007\\u001b[0m"');
    expect(out).toContain('"b\\u001b[2J"');
    for (const s of sequences(out)) expect(OWN.has(s), JSON.stringify(s)).toBe(true);
    // With colour removed, the text is exactly the uncoloured rendering: colour never changed a character.
    expect(out.replace(/\u001b\[[0-9]+m/g, '')).toBe(renderPlanText(plan(hostile)));
  });

  it('apply results: a failed change is marked in bold red, the symbol in its action colour', () => {
    const applied = plan([{ ...changes[0]!, result: 'applied' }, { ...changes[1]!, result: 'failed', error: 'boom' }]);
    const out = renderApplyText(applied, ansi);
    expect(out).toContain(`ok      ${GREEN}+${ESC}[39m create new (posthog)`);
    expect(out).toContain(`${BOLD}${RED}FAILED${ESC}[39m${ESC}[22m  ${YELLOW}~${ESC}[39m update upd (hubspot): boom`);
    expect(renderApplyText(applied)).toContain('FAILED  ~ update upd (hubspot): boom');
  });
});

describe('lists diff item by item', () => {
  it('many unchanged items are counted, not repeated', () => {
    const before = [...scopes(18), 'channels:history'];
    const after = [...scopes(18), 'users:read'];
    const out = renderPlanText(plan([update([scopeField(before, after)])]));
    expect(out).toContain(['      ~ credentials.scopes:', '          + "users:read"', '          - "channels:history"', '            (18 unchanged)'].join('\n'));
    expect(out).not.toContain('scope:00');
  });

  it('few unchanged items are all shown, after the added and removed ones', () => {
    const out = renderPlanText(plan([update([scopeField(['a', 'b', 'gone'], ['a', 'b', 'new'])])]));
    expect(out).toContain(['      ~ credentials.scopes:', '          + "new"', '          - "gone"', '            "a"', '            "b"'].join('\n'));
    expect(out).not.toMatch(/\(\d+ unchanged\)/);
  });

  it('a list on a create, or a secret list, stays one line (nothing to compare with)', () => {
    const create: Change = { action: 'create', unique_key: 'h', provider: 'hubspot', fields: [{ path: 'credentials.scopes', after: ['a', 'b'] }] };
    const secret: FieldChange = { path: 'credentials.scopes', sensitive: true };
    const out = renderPlanText(plan([create, update([secret])]));
    expect(out).toContain('+ credentials.scopes = ["a", "b"]');
    expect(out).toContain('~ credentials.scopes: (sensitive) → (sensitive)');
  });
});

describe('deletes and replaces', () => {
  const del = (connections: Change['connections']): Change => ({ action: 'delete', unique_key: 'old', provider: 'posthog', fields: [], connections });
  it('say why, and what they destroy unless it is nothing', () => {
    expect(renderPlanText(plan([del(0)]))).toContain('  - delete old (posthog): not declared in any file; prune is on\n');
    expect(renderPlanText(plan([del(3)]))).toContain('  - delete old (posthog): not declared in any file; prune is on; destroys 3 connections\n');
    expect(renderPlanText(plan([del('unknown')]))).toContain('prune is on; destroys an unknown number of connections\n');
    const replace = (connections: number): Change => ({ action: 'replace', unique_key: 'k', provider: 'b', from_provider: 'a', fields: [], connections });
    expect(renderPlanText(plan([replace(0)]))).toContain('  -/+ replace k (a → b) (forces replacement: provider)\n');
    expect(renderPlanText(plan([replace(2)]))).toContain('  -/+ replace k (a → b) (forces replacement: provider; destroys 2 connections)\n');
  });
});

describe('markdown', () => {
  /** cmark-gfm: a `|` preceded by a backslash never splits a cell. */
  const unescapedPipes = (line: string): number => line.match(/(?<!\\)\|/g)?.length ?? 0;

  it('a heading with the host, and no banner when nothing is refused', () => {
    const out = renderPlanMarkdown(plan([update([{ path: 'display_name', before: 'A', after: 'B' }])]), 'https://api.nango.dev');
    expect(out.split('\n').slice(0, 2)).toEqual(['<!-- nango-gitops-plan -->', '### nango-gitops plan for `https://api.nango.dev`']);
    expect(out).not.toContain('CAUTION');
    expect(out).toContain('| `~` | update `hubspot` (`hubspot`) | `display_name`: `"A"` → `"B"` |');
  });

  it('a refused plan opens with a CAUTION alert: each blocked change and its reason, naming the flag', () => {
    const blocked: Change = { action: 'delete', unique_key: '@octocat', provider: 'posthog', fields: [], connections: 3, blocked: 'it has 3 connections, which the delete would destroy: pass --allow-delete-connections if every end user may re-authorise' };
    const out = renderPlanMarkdown(plan([blocked]));
    const lines = out.split('\n');
    expect(lines.slice(3, 7)).toEqual([
      '> [!CAUTION]',
      '> **Refused: nothing will be applied.** 1 change is blocked by a safety rule:',
      '> - delete `"@octocat"`: it has 3 connections, which the delete would destroy: pass --allow-delete-connections if every end user may re-authorise',
      '',
    ]);
    expect(out).toContain('| `-` | delete `"@octocat"` (`posthog`): not declared in any file; prune is on; destroys 3 connections |');
    // Then the counts, a delete in bold.
    expect(lines.slice(7, 10)).toEqual([
      '| Create | Update | Rename | Delete | Replace | Unchanged | Unmanaged |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      '| 0 | 0 | 0 | **1** | 0 | 0 | 0 |',
    ]);
  });

  it('a summary table of the counts above the changes; none when nothing changes', () => {
    const out = renderPlanMarkdown(plan([update([{ path: 'display_name', before: 'A', after: 'B' }])]));
    const lines = out.split('\n');
    expect(lines.slice(3, 7)).toEqual(['| Create | Update | Rename | Delete | Replace | Unchanged | Unmanaged |', '|---:|---:|---:|---:|---:|---:|---:|', '| 0 | 1 | 0 | 0 | 0 | 0 | 0 |', '']);
    expect(renderPlanMarkdown(plan([]))).not.toContain('| Create |');
  });

  it('the summary table of several environments: a row each, no counts for one without a plan', () => {
    const summary = { create: 2, update: 0, rename: 0, delete: 0, replace: 1, unchanged: 5, unmanaged: 0 };
    expect(summaryTable([{ label: 'dev', status: 'planned', summary }, { label: 'prod', status: 'invalid', summary: undefined }])).toEqual([
      '| Environment | Create | Update | Rename | Delete | Replace | Unchanged | Unmanaged | Status |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
      '| dev | 2 | 0 | 0 | 0 | **1** | 5 | 0 | planned |',
      '| prod | – | – | – | – | – | – | – | invalid |',
    ]);
  });

  it('lists item by item in the cell; details longer than 8 lines are folded, and values cannot split the row', () => {
    const hostile = ['a|b', '`tick`', '<img src=x>'];
    const before = [...scopes(20), 'channels:history', 'x:1', 'x:2'];
    const after = [...scopes(20), ...hostile];
    const out = renderPlanMarkdown(plan([update([scopeField(before, after), { path: 'display_name', before: 'A', after: 'B' }])]));
    const row = out.split('\n').find((l) => l.startsWith('| `~`')) ?? '';
    expect(unescapedPipes(row), row).toBe(4);
    expect(row).toContain(
      '| <details><summary>2 fields, 9 lines</summary>`credentials.scopes`:<br>`+ "a\\|b"`<br>``+ "`tick`"``<br>`+ "<img src=x>"`<br>`- "channels:history"`<br>`- "x:1"`<br>`- "x:2"`<br>(20 unchanged)<br>`display_name`: `"A"` → `"B"`</details> |',
    );
    // Fewer lines: shown as they are, few unchanged items listed.
    const small = renderPlanMarkdown(plan([update([scopeField(['a', 'gone'], ['a', 'new'])])]));
    expect(small).toContain('| `~` | update `hubspot` (`hubspot`) | `credentials.scopes`:<br>`+ "new"`<br>`- "gone"`<br>`  "a"` |');
    expect(small).not.toContain('<details>');
  });
});

describe('markdown of several environments', () => {
  it('one counts table at the top, a row per environment (no counts for one without a plan), and no second table in a section', () => {
    const dev: EnvironmentOutcome = { environment: 'dev', host: 'https://dev.example', status: 'planned', plan: plan([update([{ path: 'display_name', before: 'A', after: 'B' }])]), diagnostics: [] };
    const prod: EnvironmentOutcome = { environment: 'prod', host: undefined, status: 'invalid', diagnostics: [] };
    const lines = renderEnvironmentsMarkdown([dev, prod], 'plan').split('\n');
    expect(lines.slice(0, 7)).toEqual([
      '<!-- nango-gitops-plan -->',
      '### nango-gitops plan',
      '',
      '| Environment | Create | Update | Rename | Delete | Replace | Unchanged | Unmanaged | Status |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
      '| dev | 0 | 1 | 0 | 0 | 0 | 0 | 0 | planned |',
      '| prod | – | – | – | – | – | – | – | invalid |',
    ]);
    expect(lines.filter((l) => l.startsWith('| Environment |') || l.startsWith('| Create |'))).toHaveLength(1);
    // No plan anywhere: no table of dashes.
    expect(renderEnvironmentsMarkdown([prod], 'plan')).not.toContain('| Environment |');
  });
});

describe('text of several environments after the approval', () => {
  it('only the results of environments that reached the apply with changes (one that failed while applying too), then the summary', () => {
    const changed = (result: 'applied' | 'failed'): Change[] => [{ action: 'create', unique_key: 'slack', provider: 'slack', fields: [], result, ...(result === 'failed' ? { error: 'boom' } : {}) }];
    const outcomes: EnvironmentOutcome[] = [
      { environment: 'dev', host: 'https://dev.example', status: 'applied', plan: plan(changed('applied')), diagnostics: [] },
      { environment: 'staging', host: 'https://staging.example', status: 'applied', plan: plan([]), diagnostics: [] },
      { environment: 'prod', host: 'https://prod.example', status: 'failed', stage: 'apply', plan: plan(changed('failed')), diagnostics: [], error: 'boom' },
      { environment: 'qa', host: undefined, status: 'failed', stage: 'api', diagnostics: [], error: 'Nango API: unreachable' },
    ];
    const out = renderEnvironmentsApplied(outcomes, ansi);
    expect(out.replace(/\u001b\[[0-9]+m/g, '')).toBe(
      [
        'Environment dev (https://dev.example)',
        'ok      + create slack (slack)',
        'Apply complete: 1 applied, 0 failed, 0 skipped.',
        '',
        'Environment prod (https://prod.example)',
        'FAILED  + create slack (slack): boom',
        'Apply complete: 0 applied, 1 failed, 0 skipped.',
        '',
        'Environments: 2 applied (dev, staging), 2 failed (prod, qa).',
        '',
      ].join('\n'),
    );
    expect(out).toContain(`${BOLD}${RED}FAILED`);
  });
});

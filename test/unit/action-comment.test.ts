// The pull-request comment and the job summary have size limits (65,536 characters, 1 MiB): a cut keeps
// whole lines, closes what it would leave open (a code fence, a <details> fold, which would otherwise
// swallow the note and the footer), and says where the whole plan is.
import { describe, expect, it } from 'vitest';
import { COMMENT_LIMIT, commentBody } from '../../src/action/comment.js';
import { cutAtLine, SUMMARY_LIMIT_BYTES } from '../../src/action/runner.js';

const FOOTER = '<sub>nango-gitops plan · [workflow run](https://github.example/r/1)</sub>';
const RUN = 'https://github.example/r/1';

function fold(i: number): string {
  const rows = Array.from({ length: 40 }, (_, j) => `| \`+\` | create \`key-${i}-${j}\` | \`display_name\` = \`"Integration ${i}/${j}"\` |`);
  return ['<details><summary>integration ' + i + '</summary>', '', '| | Change | Details |', '|---|---|---|', ...rows, '', '</details>', ''].join('\n');
}

/** Outside code fences: how many folds are opened and how many closed. */
function foldBalance(markdown: string): number {
  return (markdown.match(/^\s*<details\b/gim) ?? []).length - (markdown.match(/<\/details>\s*$/gim) ?? []).length;
}

describe('cutAtLine', () => {
  it('closes a <details> fold and a code fence left open by the cut', () => {
    const text = '<details><summary>slack</summary>\n\n```text\n+ create slack\n+ scopes: a, b\n';
    const cut = cutAtLine(text);
    expect(cut).toBe('<details><summary>slack</summary>\n\n```text\n+ create slack\n+ scopes: a, b\n```\n</details>\n\n');
    expect(foldBalance(cut)).toBe(0);
    // A closed fold, and `<details>` inside a code block, are left alone.
    expect(cutAtLine('<details>\nx\n</details>\n```\n<details>\n```\nafter\n')).toBe('<details>\nx\n</details>\n```\n<details>\n```\nafter\n');
  });
});

describe('commentBody', () => {
  it('a report longer than a comment: whole lines, every fold closed before the note, the footer last, within the limit', () => {
    const report = `<!-- nango-gitops-plan -->\n### nango-gitops plan\n\n${Array.from({ length: 60 }, (_, i) => fold(i)).join('\n')}`;
    expect(report.length).toBeGreaterThan(COMMENT_LIMIT);
    const body = commentBody(report, FOOTER, RUN);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeGreaterThan(COMMENT_LIMIT - 8_000);
    expect(foldBalance(body)).toBe(0);
    const note = body.indexOf('… cut here');
    expect(foldBalance(body.slice(0, note))).toBe(0);
    expect(body).toContain("… cut here: the comment would exceed GitHub's 65,536 characters. The whole plan is in the [job summary](https://github.example/r/1).");
    expect(body.trimEnd().endsWith(FOOTER)).toBe(true);
  });

  it('a report over the summary limit too: the note points to the job log, where the whole plan is', () => {
    const line = `| \`+\` | create \`${'k'.repeat(60)}\` | ${'é'.repeat(60)} |\n`;
    const report = line.repeat(Math.ceil((SUMMARY_LIMIT_BYTES * 1.2) / Buffer.byteLength(line)));
    const body = commentBody(report, FOOTER, RUN);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('and the plan is larger than the job summary\'s 1 MiB too. The whole plan is in the [job log](https://github.example/r/1).');
  });

  it('counts characters outside the basic plane as GitHub does at most: never over the limit', () => {
    const report = '🚀 + create slack 🚀\n'.repeat(8_000);
    const body = commentBody(report, FOOTER, undefined);
    expect([...body].length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('The whole plan is in the job summary.');
  });
});

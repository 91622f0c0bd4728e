import { showKey } from '../escape.js';
import type { Change, FieldChange, Plan } from '../plan/types.js';
import { markdownCode, markdownText } from './markdown-escape.js';
import { SYMBOL, UNCHANGED_ITEMS_SHOWN, describeChange, formatAfter, formatBefore, formatValue, isNewField, listDiff } from './values.js';
import { skippedLine } from './skipped.js';

/** Found again by the PR-comment upsert in CI, so pushes edit one comment instead of adding more. */
export const MARKDOWN_MARKER = '<!-- nango-gitops-plan -->';

export const MARKDOWN_HEADING = '### nango-gitops plan';

/** A change's details longer than this many lines are folded in `<details>`, so one big change cannot bury the rest. */
const FOLD_AFTER_LINES = 8;

/** `host`: where the plan is for (the key never); the heading names it. */
export function renderPlanMarkdown(plan: Plan, host?: string): string {
  const heading = host === undefined ? MARKDOWN_HEADING : `${MARKDOWN_HEADING} for ${markdownCode(host, false)}`;
  return `${MARKDOWN_MARKER}\n${heading}\n\n${renderPlanMarkdownBody(plan, true)}`;
}

const COUNTED = ['create', 'update', 'rename', 'delete', 'replace', 'unchanged', 'unmanaged'] as const;

/**
 * The counts at a glance, before any detail: a row per environment (`label` and `status` are the tool's
 * words or escaped by the caller; `summary` undefined when there is no plan). Deletes and replaces that will happen are bold: they destroy connections.
 */
export function summaryTable(rows: ReadonlyArray<{ label?: string; status?: string; summary: Plan['summary'] | undefined }>): string[] {
  const labelled = rows.some((r) => r.label !== undefined);
  const head = [...(labelled ? ['Environment'] : []), ...COUNTED.map((k) => `${k[0]?.toUpperCase() ?? ''}${k.slice(1)}`), ...(labelled ? ['Status'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (labelled && (i === 0 || i === head.length - 1) ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    // No plan (an invalid or failed environment): no count, rather than zeros that read as "nothing to do".
    const counts = COUNTED.map((k) => (r.summary === undefined ? '–' : (k === 'delete' || k === 'replace') && r.summary[k] > 0 ? `**${r.summary[k]}**` : String(r.summary[k])));
    lines.push(`| ${[...(labelled ? [r.label ?? ''] : []), ...counts, ...(labelled ? [r.status ?? ''] : [])].join(' | ')} |`);
  }
  return lines;
}

/**
 * The plan without the marker and heading: one environment's section of a comment (whose counts are in
 * the comment's own table, hence `counts` false there).
 */
export function renderPlanMarkdownBody(plan: Plan, counts = false): string {
  const s = plan.summary;
  const lines: string[] = [...refusedBanner(plan)];
  if (counts && plan.changes.length > 0) lines.push(...summaryTable([{ summary: s }]), '');
  if (plan.changes.length === 0) {
    lines.push(`No changes: Nango matches the config (${s.unchanged} unchanged, ${s.unmanaged} unmanaged).`);
  } else {
    lines.push('| | Change | Details |', '|---|---|---|');
    for (const c of plan.changes) {
      const details = c.fields.flatMap((f) => fieldLines(c, f));
      if (c.result !== undefined) details.unshift(`**${c.result}**${c.error ? `: ${markdownText(c.error)}` : ''}`);
      const shown = details.length > FOLD_AFTER_LINES ? [folded(c, details)] : details;
      if (c.blocked !== undefined) shown.unshift(`:no_entry: **blocked:** ${markdownText(c.blocked)}`);
      lines.push(`| \`${SYMBOL[c.action]}\` | ${describeChange(c, (name) => cell(showKey(name)))} | ${shown.join('<br>')} |`);
    }
  }
  lines.push('');
  for (const n of plan.notes) lines.push(`> ${n.unique_key ? `${markdownCode(showKey(n.unique_key), false)}: ` : ''}${markdownText(n.message)}`);
  if (plan.unmanaged.length > 0) lines.push('', `Unmanaged (left alone): ${plan.unmanaged.map((k) => markdownCode(showKey(k), false)).join(', ')}`);
  const skipped = skippedLine(plan, (k) => markdownCode(showKey(k), false), '`--target`');
  if (skipped !== undefined) lines.push('', skipped);
  lines.push(
    '',
    `**Plan:** ${s.create} to create, ${s.update} to update, ${s.rename} to rename, ${s.delete} to delete, ${s.replace} to replace; ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * A GitHub alert above everything else: what was refused and why, each reason naming the flag or the
 * fix (the safety rules write them so). The alert line is the tool's own; every value below it is escaped.
 */
function refusedBanner(plan: Plan): string[] {
  const blocked = plan.changes.filter((c) => c.blocked !== undefined);
  if (blocked.length === 0) return [];
  return [
    '> [!CAUTION]',
    `> **Refused: nothing will be applied.** ${blocked.length} change${blocked.length === 1 ? ' is' : 's are'} blocked by a safety rule:`,
    ...blocked.map((c) => `> - ${c.action} ${markdownCode(showKey(c.unique_key), false)}: ${markdownText(c.blocked ?? '')}`),
    '',
  ];
}

/** The summary is the tool's own words (no value), so it needs no HTML escaping; the lines keep theirs. */
function folded(c: Change, lines: readonly string[]): string {
  const what = c.fields.length === 1 ? '1 field' : `${c.fields.length} fields`;
  return `<details><summary>${what}, ${lines.length} lines</summary>${lines.join('<br>')}</details>`;
}

/** A field's lines in a table cell: `path = value`, `path: before → after`, or a list item by item. */
function fieldLines(c: Change, f: FieldChange): string[] {
  if (isNewField(c, f)) return [`${cell(f.path)} = ${cell(formatAfter(f))}`];
  const items = listDiff(f);
  if (items === undefined) return [`${cell(f.path)}: ${cell(formatBefore(f))} → ${cell(formatAfter(f))}`];
  const lines = [`${cell(f.path)}:`];
  for (const v of items.added) lines.push(cell(`+ ${formatValue(v)}`));
  for (const v of items.removed) lines.push(cell(`- ${formatValue(v)}`));
  if (items.unchanged.length > UNCHANGED_ITEMS_SHOWN) lines.push(`(${items.unchanged.length} unchanged)`);
  else for (const v of items.unchanged) lines.push(cell(`  ${formatValue(v)}`));
  return lines;
}

/** A value or key in a table cell. */
function cell(text: string): string {
  return markdownCode(text, true);
}

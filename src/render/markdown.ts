import { showKey } from '../escape.js';
import type { Plan } from '../plan/types.js';
import { markdownCode, markdownText } from './markdown-escape.js';
import { skippedLine } from './skipped.js';
import { SYMBOL, describeChange, formatAfter, formatBefore } from './values.js';

/** Found again by the PR-comment upsert in CI, so pushes edit one comment instead of adding more. */
export const MARKDOWN_MARKER = '<!-- nango-gitops-plan -->';

export const MARKDOWN_HEADING = '### nango-gitops plan';

export function renderPlanMarkdown(plan: Plan): string {
  return `${MARKDOWN_MARKER}\n${MARKDOWN_HEADING}\n\n${renderPlanMarkdownBody(plan)}`;
}

/** The plan without the marker and heading: one environment's section of a comment. */
export function renderPlanMarkdownBody(plan: Plan): string {
  const s = plan.summary;
  const lines: string[] = [];
  if (plan.changes.length === 0) {
    lines.push(`No changes: Nango matches the config (${s.unchanged} unchanged, ${s.unmanaged} unmanaged).`);
  } else {
    lines.push('| | Change | Details |', '|---|---|---|');
    for (const c of plan.changes) {
      const isNew = (path: string): boolean => c.action === 'create' || (c.action === 'replace' && path !== 'provider');
      const details = c.fields.map((f) =>
        isNew(f.path) ? `${cell(f.path)} = ${cell(formatAfter(f))}` : `${cell(f.path)}: ${cell(formatBefore(f))} → ${cell(formatAfter(f))}`,
      );
      if (c.blocked !== undefined) details.unshift(`:no_entry: **blocked:** ${markdownText(c.blocked)}`);
      if (c.result !== undefined) details.unshift(`**${c.result}**${c.error ? `: ${markdownText(c.error)}` : ''}`);
      lines.push(`| \`${SYMBOL[c.action]}\` | ${describeChange(c, (name) => cell(showKey(name)))} | ${details.join('<br>')} |`);
    }
  }
  lines.push('');
  for (const n of plan.notes) lines.push(`> ${n.unique_key ? `${markdownCode(showKey(n.unique_key), false)}: ` : ''}${markdownText(n.message)}`);
  if (plan.unmanaged.length > 0) lines.push('', `Unmanaged (left alone): ${plan.unmanaged.map((k) => markdownCode(showKey(k), false)).join(', ')}`);
  const skipped = skippedLine(plan, (k) => markdownCode(showKey(k), false));
  if (skipped !== undefined) lines.push('', skipped.replace('--target', '`--target`'));
  lines.push(
    '',
    `**Plan:** ${s.create} to create, ${s.update} to update, ${s.rename} to rename, ${s.delete} to delete, ${s.replace} to replace; ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`,
  );
  return `${lines.join('\n')}\n`;
}

/** A value or key in a table cell. */
function cell(text: string): string {
  return markdownCode(text, true);
}

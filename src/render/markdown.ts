import type { Plan } from '../plan/types.js';
import { SYMBOL, describeChange, formatAfter, formatBefore } from './values.js';

/** Found again by the PR-comment upsert in CI, so pushes edit one comment instead of adding more. */
export const MARKDOWN_MARKER = '<!-- nango-gitops-plan -->';

export function renderPlanMarkdown(plan: Plan): string {
  const s = plan.summary;
  const lines = [MARKDOWN_MARKER, '### nango-gitops plan', ''];
  if (plan.changes.length === 0) {
    lines.push(`No changes: Nango matches the config (${s.unchanged} unchanged, ${s.unmanaged} unmanaged).`);
  } else {
    lines.push('| | Change | Details |', '|---|---|---|');
    for (const c of plan.changes) {
      const isNew = (path: string): boolean => c.action === 'create' || (c.action === 'replace' && path !== 'provider');
      const details = c.fields.map((f) =>
        isNew(f.path) ? `\`${f.path}\` = ${code(formatAfter(f))}` : `\`${f.path}\`: ${code(formatBefore(f))} → ${code(formatAfter(f))}`,
      );
      if (c.blocked !== undefined) details.unshift(`:no_entry: **blocked:** ${escapeCell(c.blocked)}`);
      if (c.result !== undefined) details.unshift(`**${c.result}**${c.error ? `: ${escapeCell(c.error)}` : ''}`);
      lines.push(`| \`${SYMBOL[c.action]}\` | ${escapeCell(describeChange(c))} | ${details.join('<br>')} |`);
    }
  }
  lines.push('');
  for (const n of plan.notes) lines.push(`> ${n.unique_key ? `\`${n.unique_key}\`: ` : ''}${escapeCell(n.message)}`);
  if (plan.unmanaged.length > 0) lines.push('', `Unmanaged (left alone): ${plan.unmanaged.map((k) => `\`${k}\``).join(', ')}`);
  lines.push(
    '',
    `**Plan:** ${s.create} to create, ${s.update} to update, ${s.rename} to rename, ${s.delete} to delete, ${s.replace} to replace; ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`,
  );
  return `${lines.join('\n')}\n`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

import type { Diagnostic } from '../config/types.js';
import { formatDiagnostic } from '../config/index.js';
import { escapeControls, showKey } from '../escape.js';
import type { Change, FieldChange, Plan } from '../plan/types.js';
import { skippedLine } from './skipped.js';
import { SYMBOL, describeChange, formatAfter, formatBefore } from './values.js';

export function renderPlanText(plan: Plan): string {
  const lines: string[] = [];
  if (plan.changes.length === 0) {
    lines.push(`No changes. Nango matches the config (${plan.summary.unchanged} unchanged, ${plan.summary.unmanaged} unmanaged).`);
  } else {
    lines.push('nango-gitops will perform the following actions:', '');
    for (const c of plan.changes) lines.push(...changeLines(c), '');
  }
  lines.push(...footer(plan));
  return joinLines(lines);
}

export function renderApplyText(plan: Plan): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    const mark = c.result === 'applied' ? 'ok' : c.result === 'failed' ? 'FAILED' : 'skipped';
    lines.push(`${mark.padEnd(7)} ${SYMBOL[c.action]} ${describeChange(c)}${c.error ? `: ${c.error}` : ''}`);
  }
  const count = (r: Change['result']): number => plan.changes.filter((c) => c.result === r).length;
  if (plan.changes.length === 0) lines.push('No changes. Nothing to apply.');
  lines.push(...footer(plan).filter((l) => !l.startsWith('Plan:')));
  lines.push(`Apply complete: ${count('applied')} applied, ${count('failed')} failed, ${count('skipped')} skipped.`);
  return joinLines(lines);
}

/**
 * Lines quote keys, values and server messages, which may hold any character: escaped here, at the
 * sink, so no value can start a line of its own (a forged plan line, or a GitHub workflow command
 * under --format github) or drive the terminal.
 */
function joinLines(lines: readonly string[]): string {
  return `${lines.map(escapeControls).join('\n')}\n`;
}

function changeLines(c: Change): string[] {
  const lines = [`  ${SYMBOL[c.action]} ${describeChange(c)}`];
  for (const f of c.fields) lines.push(`      ${fieldLine(c, f)}`);
  if (c.blocked !== undefined) lines.push(`      ! blocked: ${c.blocked}`);
  return lines;
}

function fieldLine(c: Change, f: FieldChange): string {
  const note = f.note ? `  (${f.note})` : '';
  if (c.action === 'create' || (c.action === 'replace' && f.path !== 'provider')) {
    return `+ ${f.path} = ${formatAfter(f)}${note}`;
  }
  return `~ ${f.path}: ${formatBefore(f)} → ${formatAfter(f)}${note}`;
}

function footer(plan: Plan): string[] {
  const lines: string[] = [];
  for (const n of plan.notes) lines.push(`Note: ${n.unique_key ? `${showKey(n.unique_key)}: ` : ''}${n.message}`);
  if (plan.unmanaged.length > 0) {
    lines.push(`Unmanaged (in Nango, not in config, left alone): ${plan.unmanaged.map(showKey).join(', ')}`);
  }
  const skipped = skippedLine(plan);
  if (skipped !== undefined) lines.push(skipped);
  const blocked = plan.changes.filter((c) => c.blocked !== undefined).length;
  if (blocked > 0) lines.push(`Refused: ${blocked} change${blocked === 1 ? ' is' : 's are'} blocked by a safety rule; nothing will be applied.`);
  const s = plan.summary;
  lines.push(
    `Plan: ${s.create} to create, ${s.update} to update, ${s.rename} to rename, ${s.delete} to delete, ${s.replace} to replace; ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`,
  );
  return lines;
}

export function renderDiagnosticsText(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

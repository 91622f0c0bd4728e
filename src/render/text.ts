import type { Diagnostic } from '../config/types.js';
import { formatDiagnostic } from '../config/index.js';
import { escapeControls, showKey } from '../escape.js';
import type { Change, FieldChange, Plan } from '../plan/types.js';
import { plain, type Paint, type Style } from './color.js';
import { SYMBOL, UNCHANGED_ITEMS_SHOWN, describeChange, formatAfter, formatBefore, formatValue, isNewField, listDiff } from './values.js';
import { skippedLine } from './skipped.js';

/** Part of a line: plain text, or text to colour (on a terminal). */
type Segment = string | { style: Style; text: string };
type Line = string | Segment[];

/** The colour of a change's symbol and headline: Terraform's. */
const ACTION_STYLE: Record<Change['action'], Style> = { create: 'create', update: 'update', rename: 'update', delete: 'delete', replace: 'delete' };

export function renderPlanText(plan: Plan, paint: Paint = plain): string {
  const lines: Line[] = [];
  if (plan.changes.length === 0) {
    lines.push(`No changes. Nango matches the config (${plan.summary.unchanged} unchanged, ${plan.summary.unmanaged} unmanaged).`);
  } else {
    lines.push('nango-gitops will perform the following actions:', '');
    for (const c of plan.changes) lines.push(...changeLines(c), '');
  }
  lines.push(...footer(plan));
  return joinLines(lines, paint);
}

export function renderApplyText(plan: Plan, paint: Paint = plain): string {
  const lines: Line[] = [];
  for (const c of plan.changes) {
    const mark = c.result === 'applied' ? 'ok' : c.result === 'failed' ? 'FAILED' : 'skipped';
    const styledMark: Segment = c.result === 'failed' ? { style: 'blocked', text: mark } : mark;
    lines.push([styledMark, ' '.repeat(8 - mark.length), { style: ACTION_STYLE[c.action], text: SYMBOL[c.action] }, ` ${describeChange(c)}${c.error ? `: ${c.error}` : ''}`]);
  }
  const count = (r: Change['result']): number => plan.changes.filter((c) => c.result === r).length;
  if (plan.changes.length === 0) lines.push('No changes. Nothing to apply.');
  lines.push(...footer(plan).filter((l) => !(typeof l === 'string' && l.startsWith('Plan:'))));
  lines.push(`Apply complete: ${count('applied')} applied, ${count('failed')} failed, ${count('skipped')} skipped.`);
  return joinLines(lines, paint);
}

/**
 * Lines quote keys, values and server messages, which may hold any character: escaped here, at the
 * sink, so no value can start a line of its own (a forged plan line, or a GitHub workflow command
 * under --format github) or drive the terminal. Colour comes after escaping, so escaping never eats a
 * code and no value can bring one.
 */
function joinLines(lines: readonly Line[], paint: Paint): string {
  const segment = (s: Segment): string => (typeof s === 'string' ? escapeControls(s) : paint(s.style, escapeControls(s.text)));
  return `${lines.map((l) => (typeof l === 'string' ? escapeControls(l) : l.map(segment).join(''))).join('\n')}\n`;
}

function changeLines(c: Change): Line[] {
  const lines: Line[] = [['  ', { style: ACTION_STYLE[c.action], text: `${SYMBOL[c.action]} ${describeChange(c)}` }]];
  for (const f of c.fields) lines.push(...fieldLines(c, f));
  if (c.blocked !== undefined) lines.push(['      ', { style: 'blocked', text: `! blocked: ${c.blocked}` }]);
  return lines;
}

function fieldLines(c: Change, f: FieldChange): Line[] {
  const indent = '      ';
  const note = f.note ? `  (${f.note})` : '';
  if (isNewField(c, f)) return [[indent, { style: 'create', text: '+' }, ` ${f.path} = ${formatAfter(f)}${note}`]];
  const items = listDiff(f);
  if (items === undefined) return [[indent, { style: 'update', text: '~' }, ` ${f.path}: ${formatBefore(f)} → ${formatAfter(f)}${note}`]];
  const lines: Line[] = [[indent, { style: 'update', text: '~' }, ` ${f.path}:${note}`]];
  const item = indent + '    ';
  for (const v of items.added) lines.push([item, { style: 'create', text: '+' }, ` ${formatValue(v)}`]);
  for (const v of items.removed) lines.push([item, { style: 'delete', text: '-' }, ` ${formatValue(v)}`]);
  if (items.unchanged.length > UNCHANGED_ITEMS_SHOWN) lines.push(`${item}  (${items.unchanged.length} unchanged)`);
  else for (const v of items.unchanged) lines.push(`${item}  ${formatValue(v)}`);
  return lines;
}

function footer(plan: Plan): Line[] {
  const lines: Line[] = [];
  for (const n of plan.notes) lines.push(`Note: ${n.unique_key ? `${showKey(n.unique_key)}: ` : ''}${n.message}`);
  if (plan.unmanaged.length > 0) {
    lines.push(`Unmanaged (in Nango, not in config, left alone): ${plan.unmanaged.map(showKey).join(', ')}`);
  }
  const skipped = skippedLine(plan);
  if (skipped !== undefined) lines.push(skipped);
  const blocked = plan.changes.filter((c) => c.blocked !== undefined).length;
  if (blocked > 0) lines.push([{ style: 'blocked', text: `Refused: ${blocked} change${blocked === 1 ? ' is' : 's are'} blocked by a safety rule; nothing will be applied.` }]);
  const s = plan.summary;
  lines.push(
    `Plan: ${s.create} to create, ${s.update} to update, ${s.rename} to rename, ${s.delete} to delete, ${s.replace} to replace; ${s.unchanged} unchanged, ${s.unmanaged} unmanaged.`,
  );
  return lines;
}

export function renderDiagnosticsText(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

// The Markdown the job summary and the pull-request comment show. Everything the CLI printed is either
// its own Markdown (values already escaped by the renderer) or goes in a code block, where nothing is
// a link, a mention or HTML.
import { markdownCode } from '../render/markdown-escape.js';
import { MARKDOWN_MARKER } from './comment.js';
import type { CliRun } from './cli.js';
import type { ActionFormat } from './inputs.js';
import type { Skipped } from './targets.js';

/** A fenced block that holds any text: its fence is longer than any backtick run inside. */
export function codeBlock(text: string, language = 'text'): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

const code = (text: string): string => markdownCode(text, false);

function keyName(s: Skipped): string {
  return s.name === undefined ? code(s.variable) : `${code(s.variable)} (${code(s.name)})`;
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** The CLI's Markdown without its marker: the report starts with exactly one, wherever the CLI put its own. */
function withoutMarker(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line) => line.trim() !== MARKDOWN_MARKER)
    .join('\n')
    .trim();
}

/** validate's one-line verdict ("Valid: 5 integrations in 6 files."), without the annotations around it. */
function resultLine(run: CliRun): string {
  return run.stdout.split('\n').find((line) => line.trim() !== '' && !line.startsWith('::'))?.trim() ?? 'valid.';
}

function cliOutput(run: CliRun, format: ActionFormat): string {
  if (run.stdout.trim() === '') return '';
  if (format === 'markdown') return withoutMarker(run.stdout);
  return codeBlock(run.stdout, format === 'json' ? 'json' : 'text');
}

export interface PlanReport {
  format: ActionFormat;
  validate: CliRun;
  /** Absent when the plan did not run (invalid config, or no key at all). */
  plan?: CliRun;
  skipped: Skipped[];
  fromFork: boolean;
}

export function planReport(r: PlanReport): string {
  const parts: string[] = [MARKDOWN_MARKER];
  if (r.validate.code !== 0) {
    parts.push('### nango-gitops plan', `No plan: the config is invalid (\`validate\` exited ${r.validate.code}); the problems are annotated on the changed files.`);
    if (r.validate.stderr.trim() !== '') parts.push(codeBlock(r.validate.stderr));
    return `${parts.join('\n\n')}\n`;
  }
  if (!r.plan) {
    const why = r.fromFork
      ? 'This pull request comes from a fork, and GitHub gives such runs no secrets.'
      : "Pass the secret to this step's `env:` to see the plan.";
    parts.push(
      '### nango-gitops plan',
      `No plan: no Nango secret key is available to this run (${list(r.skipped.map(keyName))} ${r.skipped.length === 1 ? 'is' : 'are'} not set). ${why}`,
      `Only \`validate\` ran (offline, without secrets): ${resultLine(r.validate)}`,
    );
    return `${parts.join('\n\n')}\n`;
  }
  const plan = r.plan;
  const output = cliOutput(plan, r.format);
  if (r.format !== 'markdown' || output === '') parts.push('### nango-gitops plan');
  if (output !== '') parts.push(output);
  if (plan.code === 3) parts.push(':no_entry: **Refused** (exit 3): a safety rule blocked this plan; nothing can be applied until it changes.');
  if (plan.code !== 0 && plan.code !== 2 && plan.code !== 3) parts.push(`:x: **The plan failed** (exit ${plan.code}).`);
  if (plan.code !== 0 && plan.code !== 2 && plan.stderr.trim() !== '') parts.push(codeBlock(plan.stderr));
  if (r.skipped.length > 0) {
    parts.push(r.skipped.map((s) => `> Skipped: environment ${code(s.name ?? '')}: ${code(s.variable)} is not available to this run, so it was not planned.`).join('\n>\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

export function validateReport(run: CliRun): string {
  const parts = ['### nango-gitops validate'];
  const text = run.stdout.replace(/^::.*\n?/gm, '');
  if (run.code === 0) parts.push(text.trim() === '' ? 'Valid.' : codeBlock(text));
  else parts.push(`The config is invalid (exit ${run.code}); the problems are annotated on the changed files.`, codeBlock(run.stderr));
  return `${parts.join('\n\n')}\n`;
}

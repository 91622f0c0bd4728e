// The runner's side channels: step outputs (GITHUB_OUTPUT), the job summary (GITHUB_STEP_SUMMARY) and
// workflow commands on stdout (annotations, and stop-commands around text the action did not write).
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { Env } from './inputs.js';

/** GitHub drops a step summary larger than 1 MiB altogether. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;

export function setOutput(env: Env, name: string, value: string): void {
  const file = env['GITHUB_OUTPUT'];
  if (!file) {
    process.stdout.write(`${name}=${value}\n`);
    return;
  }
  if (!/[\r\n]/.test(value)) {
    appendFileSync(file, `${name}=${value}\n`);
    return;
  }
  // The heredoc form takes any value; the delimiter is random so no value can end it early.
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

/** Whether the job summary can hold this Markdown whole (appendSummary cuts it otherwise). */
export function fitsSummary(markdown: string): boolean {
  return Buffer.byteLength(markdown.endsWith('\n') ? markdown : `${markdown}\n`) <= SUMMARY_LIMIT_BYTES;
}

/** Appends to the job summary, cut below GitHub's size limit with a note pointing to the log. */
export function appendSummary(env: Env, markdown: string): void {
  const file = env['GITHUB_STEP_SUMMARY'];
  if (!file) return;
  const note = '\n\n… The summary is cut here (GitHub keeps at most 1 MiB): the whole output is in the job log.\n';
  let text = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  if (!fitsSummary(text)) {
    const room = SUMMARY_LIMIT_BYTES - Buffer.byteLength(note) - 16 * 1024;
    text = cutAtLine(Buffer.from(text).subarray(0, room).toString('utf8').replace(/\uFFFD$/, '')) + note;
  }
  appendFileSync(file, text);
}

/**
 * Up to the last line break (whole lines only); a code fence left open is closed, and so is every
 * `<details>` fold left open (the note and footer after the cut would be folded away in it).
 */
export function cutAtLine(text: string): string {
  const end = text.lastIndexOf('\n');
  const kept = end < 0 ? '' : text.slice(0, end + 1);
  // CommonMark: a fence closes only with at least as many backticks as opened it.
  let open = 0;
  let folds = 0;
  for (const line of kept.split('\n')) {
    const run = /^(`{3,})/.exec(line)?.[1]?.length ?? 0;
    if (open === 0 && run > 0) open = run;
    else if (open > 0 && run >= open && line.trim() === '`'.repeat(run)) open = 0;
    else if (open === 0) {
      // The plan's own folds open and close inside one table row, so a cut at a line never splits them; this
      // closes a fold on lines of its own. Values are escaped, so none can open one.
      if (/^\s*<details\b/i.test(line)) folds++;
      if (/<\/details>\s*$/i.test(line)) folds = Math.max(0, folds - 1);
    }
  }
  return `${kept}${open > 0 ? `${'`'.repeat(open)}\n` : ''}${'</details>\n\n'.repeat(folds)}`;
}

/** GitHub's escaping for a workflow command's message: one line, no `::` sequence cut short. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function annotate(kind: 'error' | 'warning' | 'notice', message: string): void {
  process.stdout.write(`::${kind}::${escapeData(message)}\n`);
}

/**
 * Writes text to the job log with workflow commands turned off: a line of a plan or of an error message
 * (config values, server text) must never be taken as `::add-mask::`, `::set-env::` or an annotation.
 */
export function logInert(text: string): void {
  if (text === '') return;
  const token = randomUUID();
  process.stdout.write(`::stop-commands::${token}\n${text.endsWith('\n') ? text : `${text}\n`}::${token}::\n`);
}

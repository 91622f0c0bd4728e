// Markdown for pull-request comments, where every value from config or from the API is data: it must
// not split a table, ping people, link, embed images or inject HTML. GitHub renders GFM, then links
// @mentions and #references in the resulting text; code spans are inert to both.
import { escapeControls } from '../escape.js';

/** Invisible, so the text reads the same; it keeps GitHub from seeing a mention, a reference or a URL. */
const ZWSP = '&#8203;';

/**
 * Free text (reasons, messages): markup characters backslash-escaped, and the patterns GitHub links
 * without markup broken with a zero-width space: `@user`, `#12`, `https://`, `www.`.
 * `&` is escaped so that no entity (`&#64;` is an @) reaches the output.
 */
export function markdownText(text: string): string {
  return escapeControls(text).replace(/[\\`*_[\]<>|~&$]|@|#(?=\d)|:\/\/|www\./gi, (m) => {
    if (m === '@' || m === '#') return `${m}${ZWSP}`;
    if (m === '://') return `:${ZWSP}//`;
    if (m.length === 4) return `${m.slice(0, 3)}${ZWSP}.`;
    return `\\${m}`;
  });
}

/**
 * A code span that holds any text: its fence is longer than any run of backticks inside (CommonMark
 * has no escapes in code spans). In a table cell, `|` still splits the row unless written `\|`.
 */
export function markdownCode(text: string, inTable: boolean): string {
  const body = escapeControls(text);
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A space pads a body that starts or ends with a backtick (CommonMark strips one on each side).
  const pad = body.startsWith('`') || body.endsWith('`') || (body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '') ? ' ' : '';
  const span = `${fence}${pad}${body}${pad}${fence}`;
  return inTable ? span.replace(/\|/g, '\\|') : span;
}

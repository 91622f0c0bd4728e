// Text from config files and from the server is shown in terminals, CI logs and PR comments: escape what
// would act instead of being read. Markdown and GitHub workflow commands have their own escapers in
// src/render/; these two are shared by every format and by config diagnostics.

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0 and C1 controls and DEL (a newline forges a line, ESC drives the terminal), line and paragraph
 * separators, bidi controls (they reorder what a reviewer reads: "Trojan Source") and the zero-width
 * characters that hide inside a word. The zero-width joiner and non-joiner (U+200C, U+200D) stay: emoji
 * and several scripts need them, and they cannot reorder or break lines.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Shows unsafe characters as `\n`, `\r`, `\t` or `\uXXXX`; everything else unchanged. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * A key (or provider slug) always in double quotes, JSON-style, with everything outside printable ASCII
 * as `\uXXXX`: `"slack-prod "`, `"\uff53lack"`. Keys are identifiers and Nango's are ASCII, so any other
 * character is worth seeing; the result is still a valid JSON string.
 */
export function quoteKey(key: string): string {
  return JSON.stringify(key).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A key as plans show it: bare when it is only letters, digits, `_` and `-`; quoted otherwise. */
export function showKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : quoteKey(key);
}

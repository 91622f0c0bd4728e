// Secrets in text that came from outside the tool. A server or proxy may quote back what it was sent
// (a 400 that quotes the request body, an echoed Authorization header), in whatever encoding it was
// carried in: raw, JSON-escaped, percent-encoded, nested (see unescape.ts). Text enters here where it
// arrives (src/nango/errors.ts, transport.ts); the tool's own words, log keys and plans never do.
import { unescapeLayers, unescapeValue } from './unescape.js';

export const REDACTED = '(sensitive)';

/**
 * A sensitive value shorter than this is too short to mask safely: it is likely an ordinary word or
 * fragment ("apply", "true", "eu"), so masking it would garble unrelated text and reveal the value by
 * the gap it leaves ("cannot (sensitive) changes"). While such a value is known, server text is
 * withheld instead.
 */
export const MIN_MASKED_LENGTH = 8;

export const WITHHELD = `(server text withheld: a sensitive value is shorter than ${MIN_MASKED_LENGTH} characters)`;

export interface AddOptions {
  /** Also match other letter cases (the Nango secret key: a UUID that servers may print in either case). */
  caseInsensitive?: boolean;
}

export interface Redactor {
  add(values: Iterable<string>, options?: AddOptions): void;
  /** True while a sensitive value is too short to mask: server text is then withheld. */
  withholding(): boolean;
  /** Free text from outside: every sensitive value masked in every form it can travel in, or all of it withheld. */
  scrub(text: string): string;
  /**
   * A short identifier from outside (an error code, a media type, an errno, a scope): kept even while
   * withholding, unless it is a sensitive value itself. Anything that is not identifier-shaped is free text.
   */
  scrubToken(token: string): string;
  /** A value the API stores (a display name, a client id) shown beside the config's: masked, or hidden when it equals a short sensitive value. */
  scrubStored(value: string): string;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:+/-]{0,99}$/;

interface Entry {
  value: string;
  caseInsensitive: boolean;
  /** The value and its unescaped readings (a value may look escaped itself), folded, each long enough to mask. */
  forms: string[];
}

const length = (text: string): number => [...text].length;

export function createRedactor(initial: Iterable<string> = []): Redactor {
  const entries = new Map<string, Entry>();
  let long: Entry[] = [];
  let short: Entry[] = [];

  const isShort = (value: string): boolean => short.some((s) => fold(s.value, s.caseInsensitive) === fold(value, s.caseInsensitive));

  function mask(text: string): string {
    if (long.length === 0 || text === '') return text;
    const spans: Array<[number, number]> = [];
    const search = (layer: string, span: (at: number, length: number) => [number, number]): void => {
      const exact = fold(layer, false);
      const anyCase = long.some((e) => e.caseInsensitive) ? fold(layer, true) : exact;
      for (const entry of long) {
        const haystack = entry.caseInsensitive ? anyCase : exact;
        for (const form of entry.forms) {
          for (let at = haystack.indexOf(form); at >= 0; at = haystack.indexOf(form, at + 1)) spans.push(span(at, form.length));
        }
      }
    };
    // Without a backslash or a percent sign nothing is escaped: the text is its only layer, and each
    // character its own span. Most text is so (names, ids, a plan's 10,000 display names).
    if (!text.includes('\\') && !text.includes('%')) search(text, (at, length) => [at, at + length]);
    else for (const layer of unescapeLayers(text)) search(layer.text, (at, length) => [layer.start[at]!, layer.end[at + length - 1]!]);
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let cursor = 0;
    for (const [from, to] of spans) {
      if (to <= cursor) continue;
      if (from >= cursor) out += `${text.slice(cursor, from)}${REDACTED}`;
      cursor = to;
    }
    return out + text.slice(cursor);
  }

  const redactor: Redactor = {
    add(values, options = {}) {
      let changed = false;
      for (const value of values) {
        if (value === '') continue;
        const caseInsensitive = options.caseInsensitive === true || entries.get(value)?.caseInsensitive === true;
        if (entries.get(value)?.caseInsensitive === caseInsensitive) continue;
        const forms = [...new Set(unescapeValue(value).map((v) => fold(v, caseInsensitive)))].filter((v) => length(v) >= MIN_MASKED_LENGTH);
        entries.set(value, { value, caseInsensitive, forms });
        changed = true;
      }
      if (!changed) return;
      long = [...entries.values()].filter((e) => length(e.value) >= MIN_MASKED_LENGTH);
      short = [...entries.values()].filter((e) => length(e.value) < MIN_MASKED_LENGTH);
    },
    withholding: () => short.length > 0,
    scrub(text) {
      return short.length > 0 ? WITHHELD : mask(text);
    },
    scrubToken(token) {
      if (!TOKEN.test(token)) return redactor.scrub(token);
      return isShort(token) ? REDACTED : mask(token);
    },
    scrubStored(value) {
      return isShort(value) ? REDACTED : mask(value);
    },
  };

  redactor.add(initial);
  return redactor;
}

/** Compared after folding: `+` is a form-encoded space, and the secret key matches in any (ASCII) letter case. */
function fold(text: string, caseInsensitive: boolean): string {
  const spaced = text.replace(/\+/g, ' ');
  return caseInsensitive ? spaced.replace(/[A-Z]/g, (c) => c.toLowerCase()) : spaced;
}

// Peels the layers of escaping a value picks up when a server quotes it back: JSON string escapes
// (`\"`, `\\`, `\/`, `\n`, `\u0041`) and percent-encoding (`%22`, UTF-8 `%E2%9C%93`), in any mix and
// nesting (JSON in JSON, JSON then percent-encoded, every character as \uXXXX). Each layer remembers,
// for every character, the span of the original text it came from, so a match can be cut out there.

export interface Layer {
  text: string;
  /** Original index where each character's source starts. */
  start: Int32Array;
  /** Original index just after each character's source. */
  end: Int32Array;
}

const MAX_LAYERS = 6;
const SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', "'": "'", b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The text as it is, then with one more layer of escaping removed each time, until nothing changes. */
export function unescapeLayers(text: string): Layer[] {
  const start = new Int32Array(text.length);
  const end = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
  const layers: Layer[] = [{ text, start, end }];
  for (let n = 1; n < MAX_LAYERS; n++) {
    const previous = layers[layers.length - 1]!;
    const next = unescapeOnce(previous);
    if (next.text === previous.text) break;
    layers.push(next);
  }
  return layers;
}

/** The value itself, then with one layer of escaping removed each time (a value may look escaped itself). */
export function unescapeValue(value: string): string[] {
  return unescapeLayers(value).map((l) => l.text);
}

function unescapeOnce(layer: Layer): Layer {
  const { text } = layer;
  let out = '';
  const start: number[] = [];
  const end: number[] = [];
  const emit = (chars: string, from: number, to: number): void => {
    out += chars;
    for (let k = 0; k < chars.length; k++) {
      start.push(layer.start[from]!);
      end.push(layer.end[to - 1]!);
    }
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      const d = text.charAt(i + 1);
      if (d === 'u' && isHex(text, i + 2, 4)) {
        emit(String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), i, i + 6);
        i += 6;
        continue;
      }
      const short = SHORT_ESCAPES[d];
      if (short !== undefined) {
        emit(short, i, i + 2);
        i += 2;
        continue;
      }
    }
    if (c === '%' && isHex(text, i + 1, 2)) {
      const decoded = percentSequence(text, i);
      if (decoded) {
        emit(decoded.chars, i, decoded.next);
        i = decoded.next;
        continue;
      }
    }
    emit(c, i, i + 1);
    i++;
  }
  return { text: out, start: Int32Array.from(start), end: Int32Array.from(end) };
}

function isHex(text: string, from: number, count: number): boolean {
  if (from + count > text.length) return false;
  for (let k = from; k < from + count; k++) {
    const code = text.charCodeAt(k);
    const digit = code >= 48 && code <= 57;
    const letter = (code | 32) >= 97 && (code | 32) <= 102;
    if (!digit && !letter) return false;
  }
  return true;
}

/** One UTF-8 character written as `%XX` bytes at `from`; undefined when the bytes are not one. */
function percentSequence(text: string, from: number): { chars: string; next: number } | undefined {
  const byte = (at: number): number | undefined => (text.charAt(at) === '%' && isHex(text, at + 1, 2) ? parseInt(text.slice(at + 1, at + 3), 16) : undefined);
  const lead = byte(from)!;
  const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
  if (length === 0) return undefined;
  let codePoint = length === 1 ? lead : lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const continuation = byte(from + 3 * k);
    if (continuation === undefined || (continuation & 0xc0) !== 0x80) return undefined;
    codePoint = (codePoint << 6) | (continuation & 0x3f);
  }
  if (codePoint > 0x10ffff) return undefined;
  return { chars: String.fromCodePoint(codePoint), next: from + 3 * length };
}

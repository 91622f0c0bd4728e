import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_MASKED_LENGTH, REDACTED, WITHHELD, createRedactor } from '../../src/redact.js';

const SECRET = 'p"a\\s/s w\nörd😀';

/** Every form the issue names: raw, JSON-escaped (also \uXXXX for any character, `\/`, nested), URL-encoded. */
function encodings(value: string): Record<string, string> {
  const json = JSON.stringify(value).slice(1, -1);
  const everyChar = Array.from({ length: value.length }, (_, i) => `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
  return {
    raw: value,
    json,
    'json with \\/': json.replaceAll('/', '\\/'),
    'json in json': JSON.stringify(json).slice(1, -1),
    'every character \\u (lower hex)': everyChar,
    'every character \\u (upper hex)': everyChar.replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => `\\u${hex.toUpperCase()}`),
    encodeURIComponent: encodeURIComponent(value),
    'lower-case percent': encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'form-encoded': new URLSearchParams({ v: value }).toString().slice(2),
    'double percent-encoded': encodeURIComponent(encodeURIComponent(value)),
    'JSON-escaped, then percent-encoded': encodeURIComponent(json),
    'JSON-escaped, then every character \\u': Array.from({ length: json.length }, (_, i) => `\\u${json.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  };
}

describe('redactor', () => {
  it('masks a value in every form it can travel in', () => {
    const r = createRedactor([SECRET]);
    for (const [name, form] of Object.entries(encodings(SECRET))) {
      expect(r.scrub(`before ${form} after`), name).toBe(`before ${REDACTED} after`);
    }
  });

  it('masks a value that looks escaped itself, and one right after a backslash', () => {
    const r = createRedactor(['C:\\new\\t%41b']);
    expect(r.scrub(`x ${JSON.stringify('C:\\new\\t%41b')} y`)).toBe(`x "${REDACTED}" y`);
    expect(r.scrub('path \\C:\\new\\t%41b')).toBe(`path \\${REDACTED}`);
  });

  it('masks the secret key in any letter case and leaves other text alone', () => {
    const key = 'b1f2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const r = createRedactor();
    r.add([key], { caseInsensitive: true });
    expect(r.scrub(`Bearer ${key.toUpperCase()} and ${encodeURIComponent(key)}`)).toBe(`Bearer ${REDACTED} and ${REDACTED}`);
    expect(r.scrub('nothing to see: b1f2c3d4')).toBe('nothing to see: b1f2c3d4');
  });

  it('withholds server text while a sensitive value is too short to mask, but keeps identifiers', () => {
    const r = createRedactor(['a-long-secret-value']);
    expect(r.withholding()).toBe(false);
    r.add(['ab']);
    expect(r.withholding()).toBe(true);
    expect(r.scrub('Invalid body: nothing of the value here')).toBe(WITHHELD);
    expect(r.scrubToken('invalid_body')).toBe('invalid_body');
    expect(r.scrubToken('text/html')).toBe('text/html');
    expect(r.scrubToken('ab')).toBe(REDACTED);
    expect(r.scrubToken('not a token: a-long-secret-value')).toBe(WITHHELD);
    expect(r.scrubStored('ab')).toBe(REDACTED);
    expect(r.scrubStored('Slack a-long-secret-value')).toBe(`Slack ${REDACTED}`);
    expect(MIN_MASKED_LENGTH).toBe(8);
  });

  it('counts characters, not UTF-16 units, for the threshold', () => {
    const r = createRedactor(['😀😀😀😀']);
    expect(r.withholding()).toBe(true);
    const long = createRedactor(['😀😀😀😀😀😀😀😀']);
    expect(long.withholding()).toBe(false);
    expect(long.scrub('x😀😀😀😀😀😀😀😀x')).toBe(`x${REDACTED}x`);
  });

  it('stays linear on hostile text (long runs of backslashes and percent signs)', () => {
    const r = createRedactor(['\\"\\"\\"\\"secret', 'abcdefgh%']);
    const hostile = `${'\\'.repeat(200_000)}${'%25'.repeat(100_000)}`;
    const started = performance.now();
    expect(r.scrub(hostile)).toBe(hostile);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('masks text with nothing escaped in it as the layered search does (its shortcut)', () => {
    // A lone `%` escapes nothing, but it sends the text through unescapeLayers: the two paths must agree.
    const plain = fc.string({ unit: fc.constantFrom('a', 'B', 'c', '+', ' ', '1', '-', 'é'), maxLength: 30 });
    const secret = fc.string({ unit: fc.constantFrom('a', 'b', 'C', '+', ' ', '1'), minLength: MIN_MASKED_LENGTH, maxLength: 12 });
    let masked = 0;
    fc.assert(
      fc.property(plain, plain, secret, fc.boolean(), fc.boolean(), (before, after, value, anyCase, upper) => {
        const r = createRedactor();
        r.add([value], { caseInsensitive: anyCase });
        const text = `${before}${upper ? value.toUpperCase() : value}${after}`;
        const shortcut = r.scrub(text);
        if (shortcut !== text) masked++;
        expect(r.scrub(`${text}%`)).toBe(`${shortcut}%`);
      }),
      { numRuns: 2000 },
    );
    expect(masked).toBeGreaterThan(500);
  });
});

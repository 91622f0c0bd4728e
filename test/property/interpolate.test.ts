import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolateString, type InterpolateOptions, type Lookup } from '../../src/config/interpolate.js';

const SEED = 0x1a7e;
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

/** `$$` escaping. Not replaceAll('$', '$$'): in a replacement string "$$" means one "$". */
const escapeDollars = (s: string): string => s.split('$').join('$$');

/** Strings dense in the characters the scanner cares about, so most inputs hit its edge cases. */
const syntaxHeavy = fc
  .array(fc.constantFrom('$', '$', '{', '}', ':', '-', '?', '+', 'A', 'B', 'x_1', '_', '9', ' ', '\n', '\\', 'é', '😀'), { maxLength: 40 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), syntaxHeavy);

/** Values that look like regex-replacement patterns or references: they must be inserted as they are. */
const trickyValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc
    .array(fc.constantFrom('$&', "$'", '$`', '$1', '$<n>', '$$', '${X}', '$X', '${A:-b}', '}', '\\', '\n', 'v'), { maxLength: 8 })
    .map((parts) => parts.join('')),
);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);

/** A lookup over a random environment; some names map to `{ error }` like an unreadable *_FILE. */
const environment = fc.dictionary(name, fc.oneof(fc.string({ maxLength: 20 }), fc.constant('')), { maxKeys: 6 });

function lookupOf(vars: Record<string, string>, failing: ReadonlySet<string> = new Set()): Lookup {
  return (n) => (failing.has(n) ? { error: `${n}_FILE cannot be read` } : Object.hasOwn(vars, n) ? vars[n] : undefined);
}

const options: fc.Arbitrary<InterpolateOptions> = fc.record(
  { allowMissing: fc.boolean(), checkName: fc.constantFrom(undefined, (n: string) => (n.startsWith('B') ? 'not allowed' : undefined)) },
  { requiredKeys: [] },
);

describe('interpolateString (property)', () => {
  it('never throws, and always returns a well-formed result', () => {
    fc.assert(
      fc.property(anyText, environment, fc.uniqueArray(name, { maxLength: 2 }), options, (text, vars, failing, opts) => {
        const r = interpolateString(text, lookupOf(vars, new Set(failing)), opts);
        expect(typeof r.value).toBe('string');
        expect(typeof r.sensitive).toBe('boolean');
        for (const ref of r.references) expect(ref).toMatch(NAME);
        expect(new Set(r.references).size).toBe(r.references.length);
        for (const m of r.missing) expect(r.references).toContain(m);
        for (const e of r.errors) {
          expect(typeof e.message).toBe('string');
          expect(e.message.length).toBeGreaterThan(0);
        }
        // Without any "$" there is nothing to interpolate.
        if (!text.includes('$')) expect(r).toMatchObject({ value: text, sensitive: false, references: [], errors: [] });
      }),
      runs(2000),
    );
  });

  it('a string with every "$" doubled comes back unchanged, and the environment is never read', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const lookup: Lookup = (n) => {
          throw new Error(`looked up ${n}`);
        };
        const r = interpolateString(escapeDollars(text), lookup);
        expect(r).toEqual({ value: text, sensitive: false, references: [], missing: [], errors: [] });
      }),
      runs(1000),
    );
  });

  it('a value from the environment is inserted verbatim ($&, $\', $1, ${X} included), never re-interpolated', () => {
    fc.assert(
      fc.property(anyText, trickyValue, anyText, name, (before, value, after, n) => {
        const escape = escapeDollars;
        const lookup = lookupOf({ [n]: value });
        for (const form of [`\${${n}}`, `\${${n}-unused}`, `\${${n}?unused}`, ...(value !== '' ? [`\${${n}:-unused}`, `\${${n}:?unused}`] : [])]) {
          const r = interpolateString(`${escape(before)}${form}${escape(after)}`, lookup);
          expect(r.errors).toEqual([]);
          expect(r.value).toBe(`${before}${value}${after}`);
          expect(r.sensitive).toBe(true);
          expect(r.references).toEqual([n]);
        }
      }),
      runs(1000),
    );
  });

  it('a default is used, with its own "$$" unescaped, only when the variable is unset', () => {
    fc.assert(
      fc.property(anyText, name, (fallback, n) => {
        const escapedDefault = escapeDollars(fallback.replaceAll('}', ''));
        const expected = fallback.replaceAll('}', '');
        const r = interpolateString(`\${${n}:-${escapedDefault}}`, lookupOf({}));
        expect(r.errors).toEqual([]);
        expect(r.value).toBe(expected);
        expect(r.sensitive).toBe(false);
      }),
      runs(1000),
    );
  });

  it('an unset reference is an error naming the variable, unless missing variables are allowed', () => {
    fc.assert(
      fc.property(anyText, name, (text, n) => {
        const ref = `${escapeDollars(text)}\${${n}}`;
        const strict = interpolateString(ref, lookupOf({}));
        expect(strict.errors).toContainEqual({ message: `${n} is not set`, name: n });
        const lenient = interpolateString(ref, lookupOf({}), { allowMissing: true });
        expect(lenient.errors).toEqual([]);
        expect(lenient.missing).toEqual([n]);
        expect(lenient.value).toBe(text);
      }),
      runs(500),
    );
  });
});

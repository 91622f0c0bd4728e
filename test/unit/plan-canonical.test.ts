import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, replacerJson } from '../../src/plan/canonical.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keeps a __proto__ key as data, so a plan holding one hashes differently from one without', () => {
    const withProto = JSON.parse('{"after": {"__proto__": {"x": 1}, "constructor": 2}}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"after":{"__proto__":{"x":1},"constructor":2}}');
    expect(canonicalJson(withProto)).not.toBe(canonicalJson({ after: { constructor: 2 } }));
  });

  // Digests recorded by earlier versions (plan files under review, the daemon's state) must stay valid: the
  // direct writer gives exactly what the definition (JSON.stringify with key-sorted copies) gives.
  it('writes exactly what the definition writes, for any value', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '2', '10', '01', '4294967294', '4294967295', '__proto__', 'toString', '-1', '1.5'));
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324, null, undefined, true, false, '\ud800', 'é\u2028'),
      fc.integer(),
      fc.constant(() => 1),
      fc.constant(Symbol('s')),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 5 }),
        fc.dictionary(key, tie('node'), { maxKeys: 3, noNullPrototype: false }),
        tie('node').map((v) => ({ toJSON: () => v })),
        fc.constant(new Date(0)),
        fc.constant(new Map([['a', 1]])),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(replacerJson(v));
      }),
      { numRuns: 3000 },
    );
  });

  it('fails on a cycle as the definition does (each sorted copy is a new object: the stack runs out)', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = a;
    expect(() => replacerJson(a)).toThrow(RangeError);
    expect(() => canonicalJson(a)).toThrow(RangeError);
  });
});

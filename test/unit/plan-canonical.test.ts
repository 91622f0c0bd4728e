import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/plan/canonical.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('keeps a __proto__ key as data, so a plan holding one hashes differently from one without', () => {
    const withProto = JSON.parse('{"after": {"__proto__": {"x": 1}, "constructor": 2}}') as unknown;
    expect(canonicalJson(withProto)).toBe('{"after":{"__proto__":{"x":1},"constructor":2}}');
    expect(canonicalJson(withProto)).not.toBe(canonicalJson({ after: { constructor: 2 } }));
  });
});

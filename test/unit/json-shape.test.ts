import { describe, expect, it } from 'vitest';
import { arrayOf, childPath, either, integer, literal, object, recordOf, shapeProblem, string } from '../../src/json-shape.js';

describe('json-shape', () => {
  it('addresses keys as JSONPath, quoting any key that is not an identifier', () => {
    expect(childPath('$', 'integrations')).toBe('$.integrations');
    expect(childPath('$', 3)).toBe('$[3]');
    expect(childPath('$', 'slack prod')).toBe('$["slack prod"]');
    expect(childPath('$', 'a.b')).toBe('$["a.b"]');
    expect(childPath('$', 'x"\n\u001b')).toBe('$["x\\"\\n\\u001b"]');
    expect(childPath('$', '')).toBe('$[""]');
  });

  it('reports the first misfit with its path', () => {
    const shape = object({ list: arrayOf(object({ n: integer(0, 10) }, { tag: either(string, literal(true)) })) });
    expect(shapeProblem(shape, { list: [{ n: 1 }, { n: 2, tag: true }, { n: 3, tag: 'x' }] })).toBeUndefined();
    expect(shapeProblem(shape, { list: [{ n: 1 }, { n: 11 }] })).toBe('$.list[1].n: expected a whole number from 0 to 10');
    expect(shapeProblem(shape, { list: [{ n: 1.5 }] })).toBe('$.list[0].n: expected a whole number from 0 to 10');
    expect(shapeProblem(shape, { list: [{ n: 1, tag: 5 }] })).toBe('$.list[0].tag: expected a string or true');
    expect(shapeProblem(shape, { list: [{}] })).toBe('$.list[0].n: missing (expected a whole number from 0 to 10)');
    expect(shapeProblem(shape, { list: [], more: 1 })).toBe('$.more: unexpected key');
    expect(shapeProblem(shape, [])).toBe('$: expected an object');
    expect(shapeProblem(shape, null)).toBe('$: expected an object');
  });

  it('takes keys named like Object.prototype members as data', () => {
    const parsed = JSON.parse('{"__proto__": {"a": 1}, "constructor": "x"}') as unknown;
    expect(shapeProblem(recordOf(recordOf(integer(0))), parsed)).toBe('$.constructor: expected an object');
    expect(shapeProblem(recordOf(either(recordOf(integer(0)), string)), parsed)).toBeUndefined();
    expect(shapeProblem(recordOf(string), parsed)).toBe('$.__proto__: expected a string');
    // Required keys must be own: an inherited `constructor` does not count.
    expect(shapeProblem(object({ constructor: string }), {})).toBe('$.constructor: missing (expected a string)');
    expect(shapeProblem(object({}), parsed)).toBe('$.__proto__: unexpected key');
  });
});

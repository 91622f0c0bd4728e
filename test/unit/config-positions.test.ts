import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from 'yaml';
import { parseConfigText, type NodePositions } from '../../src/config/load.js';
import { childPointer } from '../../src/config/pointer.js';

const file = { path: '/x/a.yaml', display: 'a.yaml', realPath: '/x/a.yaml' };

/**
 * Every pointer of a document and where it sits, the straightforward way: a value at its node (an alias's
 * value at the alias), a mapping entry's key at its key node, a missing node at its key or 1:1.
 */
function expectedPositions(text: string): Map<string, NodePositions> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (offset: number): { line: number; column: number } => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const out = new Map<string, NodePositions>();
  const walk = (node: unknown, pointer: string, key: { line: number; column: number } | undefined): void => {
    const n = node as Node | null | undefined;
    const offset = n?.range?.[0];
    out.set(pointer, { value: offset !== undefined ? at(offset) : (key ?? { line: 1, column: 1 }), ...(key ? { key } : {}) });
    const target = n && isAlias(n) ? n.resolve(doc as Document.Parsed) : n;
    if (isSeq(target)) target.items.forEach((item, i) => walk(item, childPointer(pointer, i), undefined));
    if (isMap(target)) {
      const mapAt = offset !== undefined ? at(offset) : (key ?? { line: 1, column: 1 });
      for (const pair of target.items) {
        const k = pair.key as Node | null;
        const name = k === null ? '' : isScalar(k) ? (k.value === null ? '' : String(k.value)) : '?';
        walk(pair.value, childPointer(pointer, name), k?.range ? at(k.range[0]) : mapAt);
      }
    }
  };
  walk(doc.contents, '', undefined);
  return out;
}

function expectSamePositions(text: string): void {
  const r = parseConfigText(file, text);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const expected = expectedPositions(text);
  expect(expected.size).toBeGreaterThan(0);
  for (const [pointer, positions] of expected) expect(r.parsed?.positions.get(pointer), pointer).toEqual(positions);
}

describe('positions of a parsed file, resolved when asked', () => {
  it.each([
    ['block mappings and lists', 'integrations:\n  - unique_key: a\n    credentials:\n      scopes: [x, "y"]\n      type: OAUTH2\n  - unique_key: b\n'],
    ['flow collections over several lines', 'a: {b: [1, 2,\n  3], c: {d: e}}\nf: [ {g: h}, [i] ]\n'],
    ['aliases: the alias for the value, the anchor for what is inside', 'x: &creds\n  type: OAUTH2\n  ids: [1, 2]\ny: *creds\nz: [*creds, *creds]\n'],
    ['empty values, null keys and an empty list item', 'a:\nb: ~\n? c\n: \n"": 1\nlist:\n  -\n  - 2\n'],
    ['keys with "/" and "~", and __proto__', 'a/b: 1\n"c~d": {e/f~g: 2}\n__proto__:\n  x: 1\n'],
    ['block scalars and multi-byte characters', 'é: "ü"\nkey: |\n  line\n  line\nnext: >-\n  folded\nz: 😀\n'],
    ['a scalar document', 'just text\n'],
  ])('%s', (_name, text) => expectSamePositions(text));

  it('matches the straightforward walk for any JSON-like value, in block and flow style', () => {
    const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a/b', '~0', '__proto__', '1', ''));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).node;
    fc.assert(
      // A null document is an empty config file, which is an error of its own (config-load tests).
      fc.property(value.filter((v) => v !== null), fc.boolean(), (v, flow) => {
        expectSamePositions(stringify(v, flow ? { collectionStyle: 'flow' } : {}));
      }),
      { numRuns: 300 },
    );
  });

  it('knows nothing of pointers the file does not have', () => {
    const positions = parseConfigText(file, 'integrations:\n  - unique_key: a\n').parsed?.positions;
    for (const pointer of ['/nope', '/integrations/1', '/integrations/01', '/integrations/-1', '/integrations/0/unique_key/x', '/integrations/x']) {
      expect(positions?.get(pointer), pointer).toBeUndefined();
      expect(positions?.has(pointer), pointer).toBe(false);
    }
    expect(positions?.has('/integrations/0/unique_key')).toBe(true);
  });
});

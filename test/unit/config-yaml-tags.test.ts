// YAML tags: only those whose values are JSON data are read; every other one is an error at the tagged
// value, never a silent conversion (a `!!binary` key became its decoded text, a `!!timestamp` a date string).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/index.js';
import { parseConfigText } from '../../src/config/load.js';

const file = { path: '/x/a.yaml', display: 'a.yaml', realPath: '/x/a.yaml' };
const problems = (text: string): string[] => parseConfigText(file, text).diagnostics.map(formatDiagnostic);
const refused = (tag: string): string => `YAML tag ${tag} is not allowed: config values are plain data (strings, numbers, booleans, null, mappings, lists)`;

describe('YAML tags', () => {
  it.each([
    ['!!binary', 'a: !!binary aGVsbG8=\n', 'a.yaml:1:13'],
    ['!!timestamp', 'a: !!timestamp 2001-12-14\n', 'a.yaml:1:16'],
    ['!!set', 'a: !!set\n  ? x\n', 'a.yaml:2:3'],
    ['!!omap', 'a: !!omap [x: 1]\n', 'a.yaml:1:11'],
    ['!!pairs', 'a: !!pairs\n  - x: 1\n', 'a.yaml:2:3'],
    ['!!merge', 'a: !!merge x\n', 'a.yaml:1:12'],
    ['!!value', 'a: !!value x\n', 'a.yaml:1:12'],
    ['!custom', 'a: !custom x\n', 'a.yaml:1:12'],
    ['!custom', 'a: !custom\n', 'a.yaml:1:11'],
    ['!<tag:example.com,2000:x>', '%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n', 'a.yaml:3:9'],
    ['!<tag:example.com,2000:x>', 'a: !<tag:example.com,2000:x> 1\n', 'a.yaml:1:30'],
    ['!custom', '!custom\nintegrations: []\n', 'a.yaml:2:1'],
    ['!!binary', '!!binary aGk=: 1\n', 'a.yaml:1:10'],
    ['!custom', 'a:\n  - !custom k: v\n', 'a.yaml:2:13'],
  ])('%s is an error with its position (%j)', (tag, text, at) => {
    const r = parseConfigText(file, text);
    expect(r.parsed).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`${at}: ${refused(tag)}`]);
  });

  it.each([
    ['a: !!int abc\n', 'a.yaml:1:10: value does not fit its YAML tag !!int'],
    ['a: !!int 1.5\n', 'a.yaml:1:10: value does not fit its YAML tag !!int'],
    ['a: !!bool yes\n', 'a.yaml:1:11: value does not fit its YAML tag !!bool'],
    ['a: !!null x\n', 'a.yaml:1:11: value does not fit its YAML tag !!null'],
    ['a: !!str\n  b: 1\n', 'a.yaml:2:3: value does not fit its YAML tag !!str'],
    ['a: !!map [1]\n', 'a.yaml:1:10: value does not fit its YAML tag !!map'],
    ['a: !!seq x\n', 'a.yaml:1:10: value does not fit its YAML tag !!seq'],
  ])('a core tag that does not fit its value is an error: %j', (text, message) => {
    expect(problems(text)).toEqual([message]);
  });

  it('reads the core-schema tags whose values are JSON data, and the non-specific tag', () => {
    const r = parseConfigText(file, 'a: !!str 5\nb: !!int "7"\nc: !!float 1.5\nd: !!bool true\ne: !!null ~\nf: !!map {x: !!str y}\ng: !!seq [1]\nh: ! 5\n!!str i: 1\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.parsed?.value).toEqual({ a: '5', b: 7, c: 1.5, d: true, e: null, f: { x: 'y' }, g: [1], h: '5', i: 1 });
  });

  it('reports a tag once where it is written, not again at each alias', () => {
    expect(problems('a: &x !!binary aGk=\nb: *x\nc: *x\n')).toEqual([`a.yaml:1:16: ${refused('!!binary')}`]);
    expect(problems('a: &x\n  k: !!timestamp 2001-12-14\nb: *x\n')).toEqual([`a.yaml:2:18: ${refused('!!timestamp')}`]);
  });

  it('reports every tag of a file, and nothing from inside a refused collection', () => {
    expect(problems('a: !!omap\n  - x: !!binary aGk=\nb: !!set {y}\nc: !foo z\n')).toEqual([
      `a.yaml:2:3: ${refused('!!omap')}`,
      `a.yaml:3:10: ${refused('!!set')}`,
      `a.yaml:4:9: ${refused('!foo')}`,
    ]);
  });

  it('cuts a very long tag in the message', () => {
    const [message] = problems(`a: !${'x'.repeat(500)} 1\n`);
    expect(message).toMatch(/^a\.yaml:1:\d+: YAML tag !x{56}\.\.\. is not allowed/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpolateString, type Lookup } from '../../src/config/interpolate.js';
import { referencePolicy } from '../../src/config/env.js';
import { interpolateDocument } from '../../src/config/interpolate-document.js';
import { parseConfigText } from '../../src/config/load.js';

const env =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

const run = (text: string, vars: Record<string, string> = {}, options = {}) => interpolateString(text, env(vars), options);

describe('interpolateString: forms', () => {
  it('substitutes ${NAME} and $NAME', () => {
    const r = run('a-${X}-$Y-b', { X: '1', Y: '2' });
    expect(r).toMatchObject({ value: 'a-1-2-b', sensitive: true, errors: [], references: ['X', 'Y'] });
  });

  it('reads the longest name after a bare $', () => {
    expect(run('$AB_1c.d', { AB_1c: 'v', AB: 'no' }).value).toBe('v.d');
  });

  it('${NAME:-default} uses the default when unset or empty', () => {
    expect(run('${X:-def}').value).toBe('def');
    expect(run('${X:-def}', { X: '' }).value).toBe('def');
    expect(run('${X:-def}', { X: 'set' }).value).toBe('set');
    expect(run('${X:-}').value).toBe('');
  });

  it('${NAME-default} uses the default only when unset', () => {
    expect(run('${X-def}').value).toBe('def');
    expect(run('${X-def}', { X: '' }).value).toBe('');
    expect(run('${X-def}', { X: 'v' }).value).toBe('v');
  });

  it('${NAME:?message} fails when unset or empty, with the message', () => {
    expect(run('${X:?set X to the slack id}').errors).toEqual([{ message: 'X: set X to the slack id', name: 'X' }]);
    expect(run('${X:?set X}', { X: '' }).errors).toHaveLength(1);
    expect(run('${X:?}', { X: '' }).errors[0]?.message).toBe('X is empty');
    expect(run('${X:?msg}', { X: 'ok' })).toMatchObject({ value: 'ok', errors: [] });
  });

  it('${NAME?message} fails only when unset', () => {
    expect(run('${X?needed}').errors).toEqual([{ message: 'X: needed', name: 'X' }]);
    expect(run('${X?needed}', { X: '' })).toMatchObject({ value: '', errors: [] });
  });

  it('does not interpolate the ? message', () => {
    const r = run('${X?use ${Y} {here}}', { Y: 'secret' });
    expect(r.errors[0]?.message).toBe('X: use ${Y} {here}');
  });

  it('${NAME:+alt} and ${NAME+alt} follow Compose', () => {
    expect(run('${X:+alt}', { X: 'v' }).value).toBe('alt');
    expect(run('${X:+alt}', { X: '' }).value).toBe('');
    expect(run('${X+alt}', { X: '' }).value).toBe('alt');
    expect(run('${X+alt}').value).toBe('');
  });

  it('$$ is a literal $ and starts no reference', () => {
    expect(run('$$X and $${X} cost $$5', { X: 'no' })).toMatchObject({ value: '$X and ${X} cost $5', references: [], errors: [] });
  });

  it('leaves a $ that starts no reference alone', () => {
    expect(run("pa$&ss $' $1 $ end$").value).toBe("pa$&ss $' $1 $ end$");
  });

  it('inserts values verbatim: no re-interpolation, no replace() patterns, no casting', () => {
    const value = "$& $' $` $1 ${OTHER} $$";
    expect(run('[${S}]', { S: value, OTHER: 'x' }).value).toBe(`[${value}]`);
    expect(run('${B}', { B: 'true' }).value).toBe('true');
    expect(typeof run('${N}', { N: '42' }).value).toBe('string');
  });

  it('supports one level of nesting in defaults', () => {
    expect(run('${A:-${B}}', { B: 'b' })).toMatchObject({ value: 'b', sensitive: true, errors: [] });
    expect(run('${A:-x-$B-y}', { B: 'b' }).value).toBe('x-b-y');
    expect(run('${A:-${B:-lit}}')).toMatchObject({ value: 'lit', sensitive: false, errors: [] });
    expect(run('${A:-${B}}', { A: 'a' }).value).toBe('a');
  });

  it('refuses deeper nesting', () => {
    const r = run('${A:-${B:-${C}}}', { C: 'c' });
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringContaining('nested too deeply')]);
  });

  it('does not evaluate an unused default', () => {
    expect(run('${A:-${UNSET}}', { A: 'a' })).toMatchObject({ value: 'a', errors: [] });
  });
});

describe('interpolateString: errors', () => {
  it('reports an unset variable by name', () => {
    const r = run('x${MISSING}y');
    expect(r.errors).toEqual([{ message: 'MISSING is not set', name: 'MISSING' }]);
  });

  it.each([
    ['${', 'unclosed'],
    ['abc ${X', 'unclosed'],
    ['${}', 'empty variable reference'],
    ['${1X}', 'invalid variable name'],
    ['${A:x}', 'expected "}"'],
    ['${A B}', 'expected "}"'],
    ['${A:-${B}', 'unclosed'],
    ['${-x}', 'invalid variable name'],
  ])('%s is malformed', (text, fragment) => {
    const r = run(text, { A: 'a', B: 'b', X: 'x' });
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]?.message).toContain(fragment);
  });

  it('keeps scanning after a malformed reference, reporting every problem', () => {
    const r = run('${1X} ${A:x} ${UNSET}');
    expect(r.errors).toHaveLength(3);
  });

  it('never echoes the text around a malformed reference', () => {
    const r = run('hunter2-topsecret ${1hunter}');
    expect(JSON.stringify(r.errors)).not.toContain('hunter');
  });

  it('reports lookup failures against the variable', () => {
    const r = interpolateString('${K}', () => ({ error: 'K_FILE names /x, which does not exist' }));
    expect(r.errors).toEqual([{ message: 'K_FILE names /x, which does not exist', name: 'K' }]);
  });
});

describe('interpolateString: sensitivity', () => {
  it('is sensitive when a value came from the environment', () => {
    expect(run('Slack ${TEAM}', { TEAM: 'acme' }).sensitive).toBe(true);
    expect(run('${E}', { E: '' }).sensitive).toBe(true);
  });

  it('is not sensitive when only literal defaults were used', () => {
    expect(run('Slack ${TEAM:-acme}').sensitive).toBe(false);
    expect(run('${TEAM-x}').sensitive).toBe(false);
    expect(run('plain $$ text').sensitive).toBe(false);
    expect(run('${X:+alt}', { X: 'v' }).sensitive).toBe(false);
  });
});

describe('interpolateString: policy and missing variables', () => {
  const checkName = referencePolicy(['SLACK_']);

  it('refuses NANGO_SECRET_KEY and its _FILE even with a default', () => {
    for (const text of ['${NANGO_SECRET_KEY}', '${X:-${NANGO_SECRET_KEY}}', '$NANGO_SECRET_KEY_FILE', '${NANGO_SECRET_KEY:-x}']) {
      const r = interpolateString(text, env({ NANGO_SECRET_KEY: 'k', NANGO_SECRET_KEY_FILE: '/k', X: 'x' }), { checkName: referencePolicy([]) });
      expect(r.errors.map((e) => e.name)).toContain(text.includes('_FILE') ? 'NANGO_SECRET_KEY_FILE' : 'NANGO_SECRET_KEY');
      expect(r.value).not.toContain('k');
    }
  });

  it('refuses variables outside --env-prefix, also in unused defaults', () => {
    expect(interpolateString('${SLACK_ID}', env({ SLACK_ID: 'a' }), { checkName }).errors).toEqual([]);
    const r = interpolateString('${HOME}', env({ HOME: '/root' }), { checkName });
    expect(r.errors).toEqual([{ message: expect.stringContaining('HOME is not allowed by --env-prefix'), name: 'HOME' }]);
    expect(r.value).toBe('');
    expect(interpolateString('${SLACK_ID:-${PATH}}', env({ SLACK_ID: 'a' }), { checkName }).errors).toHaveLength(1);
  });

  it('allowMissing substitutes "" for unset variables and lists them', () => {
    const r = run('a${X}b${Y:?must}c${Z:-d}', {}, { allowMissing: true });
    expect(r).toMatchObject({ value: 'abcd', errors: [], missing: ['X', 'Y'] });
  });

  it('allowMissing still requires well-formed references', () => {
    expect(run('${1X}', {}, { allowMissing: true }).errors).toHaveLength(1);
  });
});

describe('interpolateString: properties', () => {
  const lookup = env({ A: 'a', B: '$&', EMPTY: '' });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const r = interpolateString(s, lookup, {});
        expect(typeof r.value).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on strings made of template characters', () => {
    const chars = fc.constantFrom('$', '{', '}', ':', '-', '?', '+', 'A', 'B', '1', '_', ' ');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 30 }).map((a) => a.join('')), (s) => {
        const r = interpolateString(s, lookup, { allowMissing: true });
        expect(Array.isArray(r.errors)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  // A string replacement "$$" would itself mean "$": escape with a function, the way the code must.
  const escape = (s: string): string => s.replaceAll('$', () => '$$');
  const dollarHeavy = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.array(fc.constantFrom('$', '{', '}', 'A', ':-', '$$', '${A}', 'x'), { maxLength: 20 }).map((a) => a.join('')),
  );

  it('$$ round-trips: escaping every $ yields the original text', () => {
    fc.assert(
      fc.property(dollarHeavy, (s) => {
        const r = interpolateString(escape(s), lookup, {});
        expect(r).toMatchObject({ value: s, errors: [], sensitive: false, references: [] });
      }),
      { numRuns: 2000 },
    );
  });

  it('text without $ is returned unchanged', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('$')), (s) => {
        expect(interpolateString(s, lookup).value).toBe(s);
      }),
    );
  });

  it('a substituted value is inserted verbatim whatever it holds', () => {
    fc.assert(
      fc.property(dollarHeavy, dollarHeavy, (value, prefix) => {
        const safePrefix = escape(prefix);
        const r = interpolateString(`${safePrefix}\${V}`, env({ V: value }));
        expect(r.value).toBe(prefix + value);
      }),
    );
  });
});

describe('interpolateDocument', () => {
  const file = { path: '/x/a.yaml', display: 'a.yaml', realPath: '/x/a.yaml' };
  const parse = (text: string) => {
    const parsed = parseConfigText(file, text).parsed;
    if (!parsed) throw new Error('did not parse');
    return parsed;
  };
  const resolve = (text: string, vars: Record<string, string>) => {
    const parsed = parse(text);
    const before = structuredClone(parsed.value);
    const result = interpolateDocument(parsed, env(vars), {});
    // The parsed value is shared with every environment's view and the daemon's memo: never modified.
    expect(parsed.value).toStrictEqual(before);
    return { parsed, result };
  };

  it('copies only what interpolation changed, keys named __proto__ included', () => {
    const text = [
      'integrations:',
      '  - unique_key: a',
      '    integration_config:',
      '      __proto__: kept',
      '      token: ${TOKEN}',
      '      list: [x, "${TOKEN}-2", y]',
      '  - unique_key: b',
      '    credentials: { client_id: plain }',
      '',
    ].join('\n');
    const { parsed, result } = resolve(text, { TOKEN: 'tok-secret-1' });
    const [a, b] = (result.document.value as { integrations: Array<Record<string, Record<string, unknown>>> }).integrations;
    const config = a!['integration_config']!;
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(Object.hasOwn(config, '__proto__')).toBe(true);
    expect(config['__proto__']).toBe('kept');
    expect(Object.keys(config)).toEqual(['__proto__', 'token', 'list']);
    expect(config['token']).toBe('tok-secret-1');
    expect(config['list']).toEqual(['x', 'tok-secret-1-2', 'y']);
    expect(result.sensitiveValues).toEqual(['tok-secret-1', 'tok-secret-1-2']);
    // Nothing in b came from the environment: it is the parsed mapping itself.
    const parsedB = (parsed.value as { integrations: unknown[] }).integrations[1];
    expect(b).toBe(parsedB);
  });

  it('gives back the same value as a full copy would, for any document', () => {
    const scalar = fc.oneof(fc.constantFrom('${A}', 'x${B}y', '$${A}', 'plain', ''), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.constantFrom('k', 'l', '__proto__', 'm'), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const text = `integrations: []\nvalue: ${JSON.stringify(value)}\n`;
        const { result } = resolve(text, { A: 'alpha', B: 'beta' });
        const expected = JSON.parse(JSON.stringify(value).replaceAll('$${A}', '\u0000').replaceAll('${A}', 'alpha').replaceAll('${B}', 'beta').replaceAll('\u0000', '${A}')) as unknown;
        expect(JSON.stringify((result.document.value as { value: unknown }).value)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 300 },
    );
  });
});

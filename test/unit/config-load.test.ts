import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';
import { MAX_FILE_BYTES, parseConfigText } from '../../src/config/load.js';
import { useTempDir } from '../fixtures/config/helpers.js';

const t = useTempDir();

const file = { path: '/x/a.yaml', display: 'a.yaml', realPath: '/x/a.yaml' };

async function loadOne(content: string | Buffer): Promise<string[]> {
  await t.write('c.yaml', content);
  const r = await loadDesiredState({ paths: ['c.yaml'], cwd: t.path, env: {} });
  return r.diagnostics.map(formatDiagnostic);
}

describe('YAML loading', () => {
  it('reports syntax errors with their position and no stack trace', async () => {
    expect(await loadOne('integrations:\n  - unique_key: [a, b\n    provider: x\n')).toEqual([expect.stringMatching(/^c\.yaml:3:\d+: /)]);
  });

  it('rejects duplicate keys with the position of the second', async () => {
    expect(await loadOne('integrations:\n  - unique_key: a\n    provider: slack\n    unique_key: b\n')).toEqual([
      'c.yaml:4:5: duplicate key in the same mapping',
    ]);
  });

  it('rejects tabs used as indentation', async () => {
    expect(await loadOne('settings:\n\tprune: true\n')).toEqual(['c.yaml:2:1: tabs are not allowed as indentation; use spaces']);
  });

  it('refuses an empty, whitespace-, comment- or null-only file: a truncated file looks the same', async () => {
    await t.write('empty.yaml', '');
    await t.write('blank.yaml', '\uFEFF \n\t\n');
    await t.write('comment.yaml', '# yaml-language-server: $schema=../schemas/nango-gitops.schema.json\n');
    await t.write('dashes.yaml', '---\n');
    await t.write('null.yaml', '~\n');
    const r = await loadDesiredState({ paths: ['.'], cwd: t.path, env: {} });
    expect(r.state).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(
      ['blank.yaml', 'comment.yaml', 'dashes.yaml', 'empty.yaml', 'null.yaml'].map((f) => `${f}:1:1: config file is empty (only whitespace, comments or null); write "integrations: []" to declare no integration in it`),
    );
  });

  it('accepts a file that declares nothing explicitly', async () => {
    await t.write('none.yaml', 'integrations: []\n');
    await t.write('map.yaml', '{}\n');
    const r = await loadDesiredState({ paths: ['.'], cwd: t.path, env: {} });
    expect(r.diagnostics).toEqual([]);
    expect(r.state?.integrations).toEqual([]);
    expect(r.state?.files).toHaveLength(2);
  });

  it('loads many files in their order, each with its own problems, while later ones are read ahead', async () => {
    // More files than are read ahead of the one being parsed, with a broken file and an empty one among them.
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.yaml`);
    for (const [i, name] of names.entries()) {
      const content = i === 3 ? 'integrations: [\n' : i === 11 ? '' : `integrations:\n  - unique_key: k${i}\n    provider: slack\n`;
      await t.write(name, content);
    }
    const r = await loadDesiredState({ paths: ['.'], cwd: t.path, env: {} });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(formatDiagnostic)).toEqual([expect.stringMatching(/^f03\.yaml:\d+:\d+: /), expect.stringMatching(/^f11\.yaml:1:1: config file is empty/)]);
    await t.write('f03.yaml', 'integrations: []\n');
    await t.write('f11.yaml', 'integrations: []\n');
    const fixed = await loadDesiredState({ paths: ['.'], cwd: t.path, env: {} });
    expect(fixed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(fixed.state?.integrations.map((i) => i.unique_key)).toEqual(names.flatMap((_, i) => (i === 3 || i === 11 ? [] : [`k${i}`])));
  });

  it('refuses several documents in one file', async () => {
    expect(await loadOne('integrations: []\n---\nsettings: {}\n')).toEqual([expect.stringContaining('only one YAML document')]);
  });

  it('refuses an alias bomb quickly', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const start = Date.now();
    expect(await loadOne(lines.join('\n'))).toEqual(['c.yaml:1:1: too many alias expansions (possible "billion laughs" document); refusing it']);
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('refuses an alias that contains itself', () => {
    const r = parseConfigText(file, 'a: &a [1, *a]\n');
    expect(r.parsed).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['a.yaml:1:11: alias *a refers to a node that contains it']);
  });

  it('expands ordinary aliases, pointing positions at the alias', () => {
    const r = parseConfigText(file, 'x: &creds\n  type: OAUTH2\ny: *creds\n');
    expect(r.parsed?.value).toEqual({ x: { type: 'OAUTH2' }, y: { type: 'OAUTH2' } });
    expect(r.parsed?.positions.get('/y')?.value).toEqual({ line: 3, column: 4 });
    expect(r.parsed?.positions.get('/y/type')?.value).toEqual({ line: 2, column: 9 });
  });

  it('refuses files over 4 MiB before reading them', async () => {
    const path = await t.write('big.yaml', '');
    const handle = await open(path, 'r+');
    await handle.truncate(MAX_FILE_BYTES + 1);
    await handle.close();
    const r = await loadDesiredState({ paths: ['big.yaml'], cwd: t.path, env: {} });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`big.yaml:1:1: file is larger than 4 MiB (${MAX_FILE_BYTES + 1} bytes); refusing to read it`]);
  });

  it('refuses binary content', async () => {
    expect(await loadOne(Buffer.from([0x61, 0x3a, 0x00, 0x01]))).toEqual(['c.yaml:1:1: not a text file (it contains NUL bytes)']);
    expect(await loadOne(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe]))).toEqual(['c.yaml:1:1: not a text file (it is not valid UTF-8)']);
  });

  it('never quotes the source line of a syntax error (it may hold a secret)', async () => {
    const out = await loadOne('integrations:\n  - client_secret: "hunter2\\q"\n');
    expect(out.join('\n')).not.toContain('hunter2');
  });

  it('keeps a __proto__ key as an ordinary unknown field', async () => {
    expect(await loadOne('__proto__:\n  polluted: true\n')).toEqual([
      expect.stringMatching(/^c\.yaml:1:1: __proto__: unknown field "__proto__"/),
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('records key and value positions for every pointer', () => {
    const r = parseConfigText(file, 'integrations:\n  - unique_key: a\n    credentials:\n      scopes: [x, "y"]\n');
    expect(r.parsed?.positions.get('/integrations/0')?.value).toEqual({ line: 2, column: 5 });
    expect(r.parsed?.positions.get('/integrations/0/credentials')).toEqual({ key: { line: 3, column: 5 }, value: { line: 4, column: 7 } });
    expect(r.parsed?.positions.get('/integrations/0/credentials/scopes/1')?.value).toEqual({ line: 4, column: 19 });
  });
});

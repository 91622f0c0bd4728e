import { chmod, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverConfigFiles } from '../../src/config/discover.js';
import { tempDir, type TempDir } from '../fixtures/config/helpers.js';

let t: TempDir;
beforeEach(async () => {
  t = await tempDir();
});
afterEach(async () => {
  await t.cleanup();
});

describe('discoverConfigFiles', () => {
  it('walks directories recursively for *.yaml and *.yml, sorted, skipping dot entries', async () => {
    await t.write('nango/b.yaml', '');
    await t.write('nango/a.yml', '');
    await t.write('nango/sub/c.yaml', '');
    await t.write('nango/readme.md', '');
    await t.write('nango/.hidden.yaml', '');
    await t.write('nango/.git/x.yaml', '');
    const r = await discoverConfigFiles(['nango'], t.path);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.display)).toEqual(['nango/a.yml', 'nango/b.yaml', 'nango/sub/c.yaml']);
    expect(r.files[0]?.path).toBe(join(t.path, 'nango/a.yml'));
  });

  it('takes a named file as is, whatever its extension', async () => {
    await t.write('config.txt', '');
    const r = await discoverConfigFiles(['config.txt'], t.path);
    expect(r.files.map((f) => f.display)).toEqual(['config.txt']);
  });

  it('shows files outside cwd by absolute path', async () => {
    const abs = await t.write('x.yaml', '');
    const r = await discoverConfigFiles([abs], join(t.path, 'elsewhere'));
    expect(r.files[0]?.display).toBe(abs);
  });

  it('reads a Kubernetes ConfigMap layout once, through the visible symlinks', async () => {
    // config/slack.yaml -> ..data/slack.yaml, ..data -> ..2026_11_28_13_00_00.123456789
    await t.write('config/..2026_11_28_13_00_00.123456789/slack.yaml', 'integrations: []\n');
    await t.write('config/..2026_11_28_13_00_00.123456789/github.yaml', 'integrations: []\n');
    await symlink('..2026_11_28_13_00_00.123456789', join(t.path, 'config/..data'));
    await symlink('..data/slack.yaml', join(t.path, 'config/slack.yaml'));
    await symlink('..data/github.yaml', join(t.path, 'config/github.yaml'));
    const r = await discoverConfigFiles(['config'], t.path);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.display)).toEqual(['config/github.yaml', 'config/slack.yaml']);
    expect(r.files[1]?.realPath).toContain('..2026_11_28_13_00_00.123456789');
  });

  it('deduplicates the same file named twice or reached through two links', async () => {
    await t.write('nango/a.yaml', '');
    await symlink('a.yaml', join(t.path, 'nango/also-a.yaml'));
    const r = await discoverConfigFiles(['nango', 'nango/a.yaml', './nango'], t.path);
    expect(r.files).toHaveLength(1);
    expect(r.files[0]?.display).toBe('nango/a.yaml');
  });

  it('reports a missing path', async () => {
    const r = await discoverConfigFiles(['nope', 'nope.yaml'], t.path);
    expect(r.diagnostics.map((d) => [d.severity, d.message])).toEqual([
      ['error', 'config path not found: nope'],
      ['error', 'config path not found: nope.yaml'],
    ]);
  });

  it('reports a directory symlink loop without hanging', async () => {
    await t.write('nango/a.yaml', '');
    await symlink('..', join(t.path, 'nango/up'));
    const r = await discoverConfigFiles(['nango'], t.path);
    expect(r.files.map((f) => f.display)).toEqual(['nango/a.yaml']);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('symlink loop at nango/up') })]);
  });

  it('reports a file symlink loop, in a directory and as a named path', async () => {
    await mkdir(join(t.path, 'nango'));
    await symlink('b.yaml', join(t.path, 'nango/a.yaml'));
    await symlink('a.yaml', join(t.path, 'nango/b.yaml'));
    const r = await discoverConfigFiles(['nango', 'nango/a.yaml'], t.path);
    const messages = r.diagnostics.map((d) => d.message);
    expect(messages).toContain('symlink loop at nango/a.yaml');
    expect(messages).toContain('symlink loop at nango/b.yaml');
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('fails closed on a dangling symlink', async () => {
    await mkdir(join(t.path, 'nango'));
    await symlink('gone.yaml', join(t.path, 'nango/a.yaml'));
    const r = await discoverConfigFiles(['nango'], t.path);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringContaining('broken symlink nango/a.yaml') })]);
  });

  it('refuses a directory named like a config file (Docker creates one for a missing bind-mount source), walked or named', async () => {
    await mkdir(join(t.path, 'nango/b.yaml'), { recursive: true });
    await mkdir(join(t.path, 'nango/c.yml/sub'), { recursive: true });
    await t.write('nango/c.yml/sub/d.yaml', 'integrations: []\n');
    await t.write('nango/a.yaml', '');
    const walked = await discoverConfigFiles(['nango'], t.path);
    expect(walked.files.map((f) => f.display)).toEqual(['nango/a.yaml']);
    expect(walked.diagnostics).toEqual([
      { severity: 'error', message: 'cannot read config file nango/b.yaml: is a directory' },
      { severity: 'error', message: 'cannot read config file nango/c.yml: is a directory' },
    ]);
    const named = await discoverConfigFiles(['nango/b.yaml'], t.path);
    expect(named).toEqual({ files: [], diagnostics: [{ severity: 'error', message: 'cannot read config file nango/b.yaml: is a directory' }] });
  });

  it('warns about an empty directory instead of failing', async () => {
    await mkdir(join(t.path, 'empty/sub'), { recursive: true });
    await t.write('empty/notes.txt', '');
    const r = await discoverConfigFiles(['empty'], t.path);
    expect(r.files).toEqual([]);
    expect(r.diagnostics).toEqual([{ severity: 'warning', message: 'no *.yaml files under empty' }]);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file by name', async () => {
    const f = await t.write('nango/secret.yaml', 'x: 1');
    await chmod(f, 0o000);
    const r = await discoverConfigFiles(['nango'], t.path);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', message: 'cannot read config file nango/secret.yaml: permission denied' })]);
  });
});

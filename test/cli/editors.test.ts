// What export leaves for editors and git: a modeline every teammate's editor resolves the same way, and a
// reminder to keep the state and plan files out of the repository.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createSchemaAjv, readSchema } from '../../src/config/schema.js';
import { SCHEMA_URL } from '../../src/export/schema-ref.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const SEED = [
  { unique_key: 'analytics', provider: 'posthog' },
  { unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: '1.2', client_secret: 'shh-0f3a', scopes: 'chat:write', webhook_secret: null } },
];

describe('export for editors and git', () => {
  it('writes the same https $schema modeline wherever it writes, and the schema there accepts the files', async () => {
    fixture.emu.seed(SEED);
    const cwd = tempConfig({});
    const toDir = await runCli(['export', '-o', 'nango/deep/er', '--split'], { cwd, env: fixture.env() });
    const toFile = await runCli(['export', '-o', 'adopted.yaml'], { cwd, env: fixture.env() });
    const toStdout = await runCli(['export'], { cwd, env: fixture.env() });
    const contents = [
      readFileSync(join(cwd, 'nango/deep/er/slack.yaml'), 'utf8'),
      readFileSync(join(cwd, 'nango/deep/er/analytics.yaml'), 'utf8'),
      readFileSync(join(cwd, 'adopted.yaml'), 'utf8'),
      toStdout.stdout,
    ];
    for (const r of [toDir, toFile, toStdout]) expect(r.code, r.stderr).toBe(0);
    const validate = (await createSchemaAjv()).compile(readSchema().schema);
    for (const content of contents) {
      // Not a path into wherever this copy of the tool is installed: a URL that resolves alike for everyone.
      expect(content.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
      expect(readSchema().schema['$id']).toBe(SCHEMA_URL);
      expect(validate(parse(content)), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('reminds to keep .nango-gitops/ and plan.json out of git, unless .gitignore already does', async () => {
    fixture.emu.seed(SEED);
    const bare = tempConfig({});
    const first = await runCli(['export', '-o', 'nango/'], { cwd: bare, env: fixture.env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('note: add .nango-gitops/ and plan.json to .gitignore');

    const half = tempConfig({ '.gitignore': 'node_modules/\n/.nango-gitops\n' });
    const second = await runCli(['export', '-o', 'nango/'], { cwd: half, env: fixture.env() });
    expect(second.stderr).toContain('note: add plan.json to .gitignore');

    const done = tempConfig({});
    writeFileSync(join(done, '.gitignore'), '.nango-gitops/\r\nplan.json\r\n');
    const third = await runCli(['export', '-o', 'nango/'], { cwd: done, env: fixture.env() });
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).not.toContain('.gitignore');

    // YAML on stdout is for a look or a pipe: no files, no reminder.
    const piped = await runCli(['export'], { cwd: bare, env: fixture.env() });
    expect(piped.stderr).not.toContain('.gitignore');
  });
});

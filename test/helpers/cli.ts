import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { rsaPrivateKey } from './rsa-key.js';

// Found by walking up to package.json: this file also runs compiled, from dist/test/helpers/ (benchmarks).
export const ROOT = packageRoot();
/** The bundled CLI, exactly what the package's bin and the image run. */
export const CLI = join(ROOT, 'dist/cli/nango-gitops.js');
// Spawned as `node -- CLI ...`, like the bin's shebang: Node 20 would otherwise take our `--env-file`
// flag as its own (nodejs/node#54232) and exit 9 on a missing file before the CLI runs.

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Flags for node itself, before the script (e.g. `--max-old-space-size=128`). */
  nodeArgs?: string[];
  /** Run as another user (root only): root reads files whatever their mode. */
  uid?: number;
  gid?: number;
  /** Another copy of the bundled CLI (test/cli/code-cache.test.ts). */
  cli?: string;
}

/**
 * Runs the built CLI as a process, as users and CI do. `env` is the whole environment besides PATH, plus
 * a fresh fingerprint state file unless the test names one: the default path would be shared by every test.
 * stdin is not a terminal, as in CI, so `apply` is approved beforehand (NANGO_GITOPS_AUTO_APPROVE) unless
 * the test sets the variable itself (test/cli/approval.test.ts).
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--', options.cli ?? CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      env: { PATH: process.env.PATH ?? '', NANGO_GITOPS_STATE: join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json'), NANGO_GITOPS_AUTO_APPROVE: 'true', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A temporary directory populated with files (relative path → content). */
export function tempConfig(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-test-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** A real RSA PKCS#1 key (validate parses keys), one per test process. */
export const PEM = rsaPrivateKey();

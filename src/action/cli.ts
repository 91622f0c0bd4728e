// Runs the CLI bundled next to this file (dist/action/nango-gitops.js, every dependency inlined) as a
// child process, exactly as `nango-gitops` runs on a laptop: same flags, same exit codes, same output.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from './inputs.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const CLI_PATH = join(dirname(fileURLToPath(import.meta.url)), 'nango-gitops.js');

/** The step's environment minus the action's inputs: the CLI never sees the GitHub token. */
export function cliEnvironment(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !name.startsWith('INPUT_')) out[name] = value;
  // Its output goes into a comment and the job summary: no escape codes, whatever FORCE_COLOR the job sets.
  out['NANGO_GITOPS_COLOR'] = 'never';
  return out;
}

export function runCli(args: string[], cwd: string, env: Env): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // `--`: Node 20 and 22 would otherwise take the CLI's --env-file for their own flag.
    const child = spawn(process.execPath, ['--', CLI_PATH, ...args], { cwd, env: cliEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: signal ? `${stderr}nango-gitops was stopped by ${signal}\n` : stderr });
    });
  });
}

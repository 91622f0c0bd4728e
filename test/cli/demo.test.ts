// The README's first command line runs the demo; piped (CI logs, `| less`), it must print no escape codes.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('npm run demo', () => {
  it('runs to the end and prints no escape codes into a pipe', { timeout: 120_000 }, () => {
    const env = { PATH: process.env.PATH ?? '' };
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/scripts/demo.js')], { cwd: ROOT, env, encoding: 'utf8', timeout: 110_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('$ nango-gitops plan');
    expect(r.stdout + r.stderr).not.toMatch(/\u001b\[/);
  });
});

describe('npm run demo on a terminal', () => {
  /** util-linux `script` gives the demo a pseudo-terminal (-q quiet, -f flush, -e its exit code, -c command). */
  const inTerminal = (env: Record<string, string>) =>
    spawnSync('script', ['-qfec', `'${process.execPath}' '${join(ROOT, 'dist/scripts/demo.js')}'`, '/dev/null'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', ...env },
      encoding: 'utf8',
      timeout: 110_000,
    });

  it('colours the plan as the CLI does on a terminal, and not at all under NO_COLOR', { timeout: 240_000 }, () => {
    const coloured = inTerminal({});
    expect(coloured.status, coloured.stdout).toBe(0);
    expect(coloured.stdout).toContain('\u001b[1m$ nango-gitops plan');
    expect(coloured.stdout).toContain('\u001b[32m+ create posthog (posthog)');
    const plain = inTerminal({ NO_COLOR: '1' });
    expect(plain.status, plain.stdout).toBe(0);
    expect(plain.stdout).toContain('+ create posthog (posthog)');
    expect(plain.stdout).not.toMatch(/\u001b\[/);
  });
});

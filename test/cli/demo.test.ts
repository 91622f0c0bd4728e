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

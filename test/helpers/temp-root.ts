// Vitest global setup: every temporary directory of a run (configs, state files, emulator data) goes
// under one root, removed when the run ends. Without it each run left thousands of directories in /tmp,
// and a daemon watching the directory that holds its config (one level deep, for symlink swaps) scanned
// them all when that directory was /tmp itself: a start took 10 s once /tmp held 40,000 entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): (() => void) | undefined {
  // One root for both projects of the run (setup runs once per project, in the same process).
  if (process.env.NANGO_GITOPS_TEST_TMPDIR !== undefined) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'nango-gitops-run-'));
  process.env.NANGO_GITOPS_TEST_TMPDIR = root;
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}

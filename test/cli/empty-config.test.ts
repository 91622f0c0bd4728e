// Issue 9 §6, CLI side: an empty config file or a directory named like one is an error, never "declares nothing".
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const KEEP = 'integrations:\n  - unique_key: keep\n    provider: posthog\n';

describe('a config file that declares nothing by accident', () => {
  it.each([
    ['empty', ''],
    ['whitespace-only', ' \n\n'],
    ['comment-only', '# integrations:\n#   - unique_key: old\n'],
  ])('%s: exit 1 naming the file, no API request, for validate, plan and apply --prune', async (_what, content) => {
    fixture.emu.seed([{ unique_key: 'keep', provider: 'posthog' }, { unique_key: 'old', provider: 'posthog' }]);
    const dir = tempConfig({ 'keep.yaml': KEEP, 'old.yaml': content });
    for (const args of [['validate'], ['plan', '--prune'], ['apply', '--prune']]) {
      fixture.emu.clearRequests();
      const r = await runCli([...args, '-c', dir], { env: fixture.env(), cwd: dir });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain('old.yaml:1:1: config file is empty');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fixture.emu.requests).toHaveLength(0);
    }
    expect(fixture.emu.integration('old')).toBeDefined();
  });

  it('a directory named like a config file, inside a config directory or named by -c: exit 1 naming it', async () => {
    fixture.emu.seed([{ unique_key: 'keep', provider: 'posthog' }, { unique_key: 'old', provider: 'posthog' }]);
    const dir = tempConfig({ 'keep.yaml': KEEP });
    mkdirSync(join(dir, 'old.yaml'));
    for (const paths of [['.'], ['keep.yaml', 'old.yaml']]) {
      const r = await runCli(['apply', '--prune', ...paths.flatMap((p) => ['-c', p])], { env: fixture.env(), cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('cannot read config file old.yaml: is a directory');
    }
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

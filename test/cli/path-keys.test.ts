// Keys that could change the request path if sent as they are: `.`/`..` (dot segments, which URL parsers
// resolve) and `%`, `/`, `?`, `#`. Each must reach its own integration and no other.
import { describe, expect, it } from 'vitest';
import type { RecordedRequest, SeedIntegration } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();

const yaml = (integrations: Array<{ key: string; name?: string }>): string =>
  `integrations:\n${integrations.map((i) => `  - unique_key: ${JSON.stringify(i.key)}\n    provider: posthog\n${i.name ? `    display_name: ${JSON.stringify(i.name)}\n` : ''}`).join('')}`;

const keys = (): string[] => fixture.emu.integrations().map((i) => i.unique_key).sort();
const writes = (): string[] => fixture.emu.requests.filter((r) => r.method !== 'GET').map((r: RecordedRequest) => `${r.method} ${r.path} ${String(r.status)}`);
const seed = (...list: string[]): void => fixture.emu.seed(list.map((key): SeedIntegration => ({ unique_key: key, provider: 'posthog' })));

describe('unique keys that look like path syntax', () => {
  it('creates, updates and deletes `.` and `..` with every dot encoded, touching nothing else', async () => {
    seed('keep');
    const keep = fixture.emu.integration('keep');
    const created = await runCli(['apply', '-c', tempConfig({ 'a.yaml': yaml([{ key: '.' }, { key: '..' }, { key: 'keep' }]) })], { env: fixture.env() });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(keys()).toEqual(['.', '..', 'keep']);

    fixture.emu.clearRequests();
    const renamed = tempConfig({ 'a.yaml': yaml([{ key: '.', name: 'Dot' }, { key: '..', name: 'Dot dot' }, { key: 'keep' }]) });
    const updated = await runCli(['apply', '-c', renamed], { env: fixture.env() });
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    expect(writes().sort()).toEqual(['PATCH /integrations/%2E 200', 'PATCH /integrations/%2E%2E 200']);
    expect(fixture.emu.integration('.')?.display_name).toBe('Dot');
    expect(fixture.emu.integration('..')?.display_name).toBe('Dot dot');

    fixture.emu.clearRequests();
    const pruned = await runCli(['apply', '-c', tempConfig({ 'a.yaml': yaml([{ key: 'keep' }]) }), '--prune', '--max-deletes', '2'], { env: fixture.env() });
    expect(pruned.stderr).toBe('');
    expect(pruned.code).toBe(0);
    expect(writes().sort()).toEqual(['DELETE /integrations/%2E 200', 'DELETE /integrations/%2E%2E 200']);
    expect(keys()).toEqual(['keep']);
    expect(fixture.emu.integration('keep')).toEqual(keep);
  });

  it('sends `%`, `/`, `?`, `#` and `%2E` encoded, so a look-alike is never deleted in their place', async () => {
    // Nango refuses these keys (400 invalid_uri_params), but a listed one is pruned like any other: the DELETE
    // must name it exactly, never `a` (via `a?b`, `a#b`), `.` (via `%2E`) or another route (via `a/b`).
    const odd = ['%', 'a/b', 'a?b', 'a#b', '%2E'];
    seed('a', 'b', '.', ...odd);
    const before = fixture.emu.integrations();
    const dir = tempConfig({ 'a.yaml': yaml([{ key: 'a' }, { key: 'b' }, { key: '.' }]) });
    const r = await runCli(['apply', '-c', dir, '--prune', '--max-deletes', '5'], { env: fixture.env() });
    expect(r.code).toBe(1);
    expect(writes().sort()).toEqual(
      ['/integrations/%25', '/integrations/a%2Fb', '/integrations/a%3Fb', '/integrations/a%23b', '/integrations/%252E'].map((p) => `DELETE ${p} 400`).sort(),
    );
    expect(fixture.emu.integrations()).toEqual(before);
    // Each failure names its own key.
    for (const key of odd) expect(r.stdout).toContain(`DELETE /integrations/${key} failed (400 invalid_uri_params)`);
  });
});

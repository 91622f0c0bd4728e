import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig } from '../helpers/cli.js';
import { copyBuiltPackage } from '../helpers/package-copy.js';

// src/config/schema.ts: the validator the build pre-compiled is used only for the schema it was compiled
// from; a schema edited since (a developer's change before the next build) is compiled at run time.
describe('pre-compiled schema validator', () => {
  it('is not used once the schema file differs from the one it was compiled from', async () => {
    const { root, cli } = copyBuiltPackage('schema-stale');
    const config = tempConfig({ 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    display_name: Analytics\n' });
    const before = await runCli(['validate', '-c', config], { cli });
    expect(before.code, before.stderr).toBe(0);

    const path = join(root, 'schemas', 'nango-gitops.schema.json');
    const schema = JSON.parse(readFileSync(path, 'utf8')) as { definitions: { integration: { properties: { display_name: { maxLength: number } } } } };
    schema.definitions.integration.properties.display_name.maxLength = 5;
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    const after = await runCli(['validate', '-c', config], { cli });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('must be at most 5 characters');
  });
});

// `npm run demo`: the whole job against the bundled emulator, no Nango account needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SECRET_KEY, startEmulator } from '../test/emulator/server.js';
import { packageRoot } from '../src/package-root.js';

const root = packageRoot();
const cli = resolve(root, 'dist/cli/nango-gitops.js');
const stateDir = mkdtempSync(join(tmpdir(), 'nango-gitops-demo-'));
const emulator = await startEmulator();

// An environment that already has history: one integration drifted, one nobody declared.
emulator.seed([
  {
    unique_key: 'slack-production',
    provider: 'slack',
    display_name: 'Slack',
    forward_webhooks: true,
    credentials: { type: 'OAUTH2', client_id: '1234567890.0987654321', client_secret: 'demo-slack-client-secret', scopes: 'channels:read', webhook_secret: 'demo-slack-signing-secret' },
    connections: 12,
  },
  { unique_key: 'legacy-intercom', provider: 'intercom', credentials: { type: 'OAUTH2', client_id: 'x', client_secret: 'y', scopes: null, webhook_secret: null }, connections: 3 },
]);

const common = ['-c', 'config-examples/nango', '--env-file', 'config-examples/demo.env'];
const steps: Array<{ title: string; args: string[]; expect: number[] }> = [
  { title: 'validate (offline)', args: ['validate', ...common], expect: [0] },
  { title: 'plan (dry run)', args: ['plan', ...common, '--state', join(stateDir, 'state.json'), '--detailed-exitcode'], expect: [2] },
  { title: 'apply', args: ['apply', ...common, '--state', join(stateDir, 'state.json')], expect: [0] },
  { title: 'plan again (converged: exit 0, no changes)', args: ['plan', ...common, '--state', join(stateDir, 'state.json'), '--detailed-exitcode'], expect: [0] },
];

let failed = false;
try {
  for (const step of steps) {
    process.stdout.write(`\n\x1b[1m$ nango-gitops ${step.args.join(' ')}\x1b[0m   # ${step.title}\n`);
    // Not spawnSync: the emulator answers from this process's event loop.
    const status = await new Promise<number | null>((done, fail) => {
      const child = spawn(process.execPath, ['--', cli, ...step.args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', NANGO_HOST: emulator.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY },
        stdio: 'inherit',
      });
      child.on('error', fail);
      child.on('close', done);
    });
    process.stdout.write(`(exit ${status})\n`);
    if (!step.expect.includes(status ?? -1)) {
      process.stderr.write(`demo: "${step.title}" exited ${status}, expected ${step.expect.join(' or ')}\n`);
      failed = true;
      break;
    }
  }
  const writes = emulator.writes().map((w) => `${w.method} ${decodeURIComponent(w.path)} → ${w.status}`);
  process.stdout.write(`\nWrites the emulator received:\n${writes.map((w) => `  ${w}`).join('\n')}\n`);
  process.stdout.write(`\nThe environment now holds: ${emulator.integrations().map((i) => i.unique_key).join(', ')}\n`);
} finally {
  await emulator.close();
  rmSync(stateDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;

// `npm run demo`: the whole job against the bundled emulator, no Nango account needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_SECRET_KEY, startEmulator } from '../test/emulator/server.js';
import { packageRoot } from '../src/package-root.js';
import { painter } from '../src/render/color.js';

/** Bold only on a terminal, as NO_COLOR and FORCE_COLOR say: no escape codes in pipes and files (the CLI's own rule). */
const paint = painter('auto', process.stdout);
const bold = (text: string): string => paint('bold', text);
/** The CLI writes to this same stdout and decides its colour by the same variables: pass them on. */
const colorEnv = Object.fromEntries(
  ['TERM', 'NO_COLOR', 'FORCE_COLOR', 'NANGO_GITOPS_COLOR'].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] ?? '']])),
);

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
  // The demo answers for the user: in a terminal, apply without --auto-approve asks before writing.
  { title: 'apply (approved beforehand: no question)', args: ['apply', ...common, '--state', join(stateDir, 'state.json'), '--auto-approve'], expect: [0] },
  { title: 'plan again (converged: exit 0, no changes)', args: ['plan', ...common, '--state', join(stateDir, 'state.json'), '--detailed-exitcode'], expect: [0] },
];

/** Runs the CLI with its output on this terminal. Not spawnSync: the emulator answers from this process's event loop. */
function run(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, ['--', cli, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', done);
  });
}

let failed = false;
try {
  for (const step of steps) {
    process.stdout.write(`\n${bold(`$ nango-gitops ${step.args.join(' ')}`)}   # ${step.title}\n`);
    const status = await run(step.args, { ...colorEnv, NANGO_HOST: emulator.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY });
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
  if (!failed) failed = !(await adoptTwoEnvironments());
} finally {
  await emulator.close();
  rmSync(stateDir, { recursive: true, force: true });
}

/** Two environments (one emulator serving two keys) clicked together by hand, adopted as one config. */
async function adoptTwoEnvironments(): Promise<boolean> {
  const keys = { dev: DEFAULT_SECRET_KEY, prod: '7d0c6b1e-2f4a-4c8e-9b3d-5a6f7e8d9c0b' };
  const two = await startEmulator({ keys: [{ secretKey: keys.dev, environment: 'dev' }, { secretKey: keys.prod, environment: 'prod' }] });
  try {
    const slack = (secret: string, scopes: string) => ({ unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: '1234567890.1', client_secret: secret, scopes, webhook_secret: null } });
    two.seed([{ ...slack('demo-dev-secret', 'chat:write'), display_name: 'Slack (dev)' }, { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog' }, { unique_key: 'linear-trial', provider: 'linear', credentials: { type: 'OAUTH2', client_id: 'lin', client_secret: 'demo-linear-secret', scopes: null, webhook_secret: null } }], 'dev');
    two.seed([{ ...slack('demo-prod-secret', 'chat:write,users:read'), display_name: 'Slack' }, { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog' }], 'prod');
    const out = join(stateDir, 'adopted');
    const args = ['export', '-c', 'config-examples/environments/environments.yaml', '-o', out];
    process.stdout.write(`\n${bold(`$ nango-gitops ${args.join(' ')}`)}   # several environments: adopt dev and prod as one config\n`);
    const status = await run(args, { NANGO_SECRET_KEY_DEV: keys.dev, NANGO_SECRET_KEY_PROD: keys.prod, NANGO_HOST_DEV: two.url, NANGO_HOST: two.url });
    process.stdout.write(`(exit ${status})\n`);
    if (status !== 0) {
      process.stderr.write(`demo: export of two environments exited ${status}, expected 0\n`);
      return false;
    }
    for (const file of readdirSync(out).filter((f) => f.endsWith('.yaml'))) process.stdout.write(`\n--- ${file}\n${readFileSync(join(out, file), 'utf8')}`);
    return true;
  } finally {
    await two.close();
  }
}
process.exitCode = failed ? 1 : 0;

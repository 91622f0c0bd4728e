// The Kubernetes examples must match what the daemon really does: its port, probe paths, env names and
// the symlink layouts git-sync and ConfigMap volumes publish.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BOOLEAN_FLAG_ENV_VARS } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { loadDesiredState } from '../../src/config/index.js';
import { DEFAULT_LISTEN, parseListen } from '../../src/daemon/listen.js';
import { startHttpServer } from '../../src/daemon/server.js';

const DIR = resolve(import.meta.dirname, '../../config-examples/kubernetes');
const EXAMPLES = resolve(import.meta.dirname, '../../config-examples');

// Minimal shapes of the manifest fields checked here.
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: Mount[];
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsUser?: number; allowPrivilegeEscalation?: boolean };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string };
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}

function manifests(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: not YAML documents`);
  for (const doc of docs) expect(doc.errors, file).toEqual([]);
  return docs.map((d) => d.toJS() as Manifest);
}

const manifestFiles = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const all = manifestFiles.flatMap((f) => manifests(f).map((m) => ({ file: f, m })));
const secrets = all.filter(({ m }) => m.kind === 'Secret').map(({ m }) => m);
const configMaps = all.filter(({ m }) => m.kind === 'ConfigMap').map(({ m }) => m);
const deployments = all.filter(({ m }) => m.kind === 'Deployment');

function pod(m: Manifest): PodSpec {
  return (m.spec as { template: { spec: PodSpec } }).template.spec;
}
function daemonContainer(m: Manifest): Container {
  const c = pod(m).containers.find((x) => x.name === 'nango-gitops');
  if (!c) throw new Error(`${m.metadata.name}: no nango-gitops container`);
  return c;
}
function envValue(c: Container, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}
function secretKeys(name: string): string[] {
  const s = secrets.find((x) => x.metadata.name === name);
  return Object.keys({ ...(s?.data ?? {}), ...(s?.stringData ?? {}) });
}
function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}
function mountFor(c: Container, path: string): Mount | undefined {
  return c.volumeMounts?.find((m) => isInside(path, m.mountPath));
}
function configPath(c: Container): string {
  const args = c.args ?? [];
  expect(args[0]).toBe('daemon');
  const i = args.indexOf('-c');
  const path = args[i + 1];
  if (i < 0 || path === undefined) throw new Error('no -c');
  return path;
}

/** Every NANGO_GITOPS_* variable some command of the CLI reads. */
async function cliEnvNames(): Promise<Set<string>> {
  const names = new Set<string>(BOOLEAN_FLAG_ENV_VARS);
  for (const command of (await buildProgram()).commands) {
    for (const option of command.options) if (option.envVar) names.add(option.envVar);
  }
  return names;
}

function referencedVariables(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''));
}

describe('Kubernetes manifests', () => {
  it('all parse, and there is a git-sync and a ConfigMap Deployment', () => {
    expect(manifestFiles.sort()).toEqual(['configmap.yaml', 'deployment-configmap.yaml', 'deployment-git-sync.yaml', 'secret.example.yaml']);
    expect(deployments.map((d) => d.file).sort()).toEqual(['deployment-configmap.yaml', 'deployment-git-sync.yaml']);
    for (const { m } of all) {
      expect(typeof m.apiVersion).toBe('string');
      expect(typeof m.metadata.name).toBe('string');
    }
  });

  it('the daemon serves the probe paths on the port the manifests use', async () => {
    const listen = parseListen(DEFAULT_LISTEN);
    expect(listen?.port).toBe(8080);
    const server = await startHttpServer(
      { host: '127.0.0.1', port: 0 },
      {
        health: () => ({ alive: true }),
        readiness: () => ({ ready: true }),
        metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
      },
    );
    try {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        expect((await fetch(`http://127.0.0.1:${server.address.port}${path}`)).status, path).toBe(200);
      }
      expect((await fetch(`http://127.0.0.1:${server.address.port}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  describe.each(deployments.map((d) => [d.file, d.m] as const))('%s', (file, m) => {
    const c = daemonContainer(m);
    const spec = pod(m);

    it('exposes 8080 as "http", probes /healthz and /readyz on it, and is scraped there', () => {
      expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
      const listen = envValue(c, 'NANGO_GITOPS_LISTEN');
      if (listen !== undefined) expect(parseListen(listen)?.port).toBe(8080);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      const annotations = (m.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations;
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
      const service = manifests(file).find((x) => x.kind === 'Service');
      expect(service?.spec).toMatchObject({ ports: [{ name: 'http', port: 8080, targetPort: 'http' }] });
      expect((service?.spec as { selector: unknown }).selector).toEqual((m.spec as { selector: { matchLabels: unknown } }).selector.matchLabels);
    });

    it('uses only NANGO_GITOPS_* variables the CLI defines', async () => {
      const defined = await cliEnvNames();
      const used = (c.env ?? []).map((e) => e.name).filter((n) => n.startsWith('NANGO_GITOPS_'));
      expect(used.length).toBeGreaterThan(0);
      for (const name of used) expect(defined, name).toContain(name);
      // The strict boolean variables are part of the list too.
      expect(defined).toContain('NANGO_GITOPS_PLAN');
      expect(defined).toContain('NANGO_GITOPS_PRUNE');
    });

    it('reads the Nango key from a Secret that defines it', () => {
      const key = c.env?.find((e) => e.name === 'NANGO_SECRET_KEY')?.valueFrom?.secretKeyRef;
      expect(key).toBeDefined();
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) expect(secretKeys(ref.name), `${e.name}: ${ref.name}/${ref.key}`).toContain(ref.key);
      }
    });

    it('points -c, the state file and every *_FILE inside mounted volumes', () => {
      const mounted = (path: string): Mount => {
        const mount = mountFor(c, path);
        if (!mount) throw new Error(`${path} is not inside a mounted volume`);
        return mount;
      };
      const config = mounted(configPath(c));
      expect(spec.volumes.map((v) => v.name)).toContain(config.name);

      const state = envValue(c, 'NANGO_GITOPS_STATE');
      if (state === undefined) throw new Error('NANGO_GITOPS_STATE not set: the default path is on the read-only root filesystem');
      const stateMount = mounted(state);
      expect(stateMount.readOnly).not.toBe(true);
      expect(spec.volumes.find((v) => v.name === stateMount.name)?.emptyDir).toBeDefined();

      const files = (c.env ?? []).filter((e) => e.name.endsWith('_FILE'));
      expect(files.length).toBeGreaterThan(0);
      for (const e of files) {
        const path = e.value ?? '';
        const mount = mounted(path);
        const volume = spec.volumes.find((v) => v.name === mount.name);
        const item = volume?.secret?.items?.find((i) => join(mount.mountPath, i.path) === path);
        expect(item, `${e.name}=${path}`).toBeDefined();
        expect(secretKeys(volume?.secret?.secretName ?? ''), e.name).toContain(item?.key);
      }
    });

    it('runs non-root on a read-only root filesystem, with requests and a memory limit', () => {
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser).toBe(1000);
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(c.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources?.limits?.['memory']).toBeDefined();
      expect((m.spec as { replicas: number }).replicas).toBe(1);
    });
  });

  it('git-sync publishes the checkout where the daemon reads it', () => {
    const m = deployments.find((d) => d.file === 'deployment-git-sync.yaml')?.m;
    if (!m) throw new Error('no git-sync deployment');
    const spec = pod(m);
    const gitSync = [...spec.containers, ...(spec.initContainers ?? [])].filter((x) => x.image.startsWith('registry.k8s.io/git-sync/git-sync:v4.'));
    expect(gitSync.map((x) => x.name).sort()).toEqual(['git-sync', 'git-sync-init']);
    const daemon = daemonContainer(m);
    for (const g of gitSync) {
      const flag = (name: string): string | undefined => g.args?.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
      const root = flag('root') ?? '';
      const link = flag('link') ?? '';
      expect(flag('repo')).toMatch(/^https:\/\//);
      const gitMount = g.volumeMounts?.find((v) => isInside(root, v.mountPath));
      expect(gitMount?.name).toBe('git');
      // The daemon sees the same volume, reads through the link, and may not write to it.
      const daemonMount = daemon.volumeMounts?.find((v) => v.name === gitMount?.name);
      expect(daemonMount?.readOnly).toBe(true);
      expect(isInside(configPath(daemon), `${daemonMount?.mountPath}/${link}`)).toBe(true);
    }
    expect(gitSync.find((g) => g.name === 'git-sync')?.args).toContain('--period=30s');
    expect(spec.volumes.find((v) => v.name === 'git')?.emptyDir).toBeDefined();
  });

  it('the ConfigMap Deployment mounts the ConfigMap that configmap.yaml defines', () => {
    const m = deployments.find((d) => d.file === 'deployment-configmap.yaml')?.m;
    if (!m) throw new Error('no ConfigMap deployment');
    const c = daemonContainer(m);
    const mount = mountFor(c, configPath(c));
    const volume = pod(m).volumes.find((v) => v.name === mount?.name);
    expect(configMaps.map((x) => x.metadata.name)).toContain(volume?.configMap?.name);
    expect(mount?.mountPath).toBe(configPath(c));
  });

  it('each Deployment supplies every variable its config references (as NAME or NAME_FILE)', () => {
    const gitConfig = readdirSync(join(EXAMPLES, 'nango'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => readFileSync(join(EXAMPLES, 'nango', f), 'utf8'))
      .join('\n');
    const configMapConfig = Object.values(configMaps[0]?.data ?? {}).join('\n');
    const cases: Array<[string, string]> = [
      ['deployment-git-sync.yaml', gitConfig],
      ['deployment-configmap.yaml', configMapConfig],
    ];
    for (const [file, config] of cases) {
      const c = daemonContainer(deployments.find((d) => d.file === file)?.m as Manifest);
      const provided = new Set((c.env ?? []).map((e) => e.name.replace(/_FILE$/, '')));
      const needed = referencedVariables(config);
      expect(needed.size, file).toBeGreaterThan(0);
      for (const name of needed) expect(provided, `${file}: ${name}`).toContain(name);
      const prefixes = envValue(c, 'NANGO_GITOPS_ENV_PREFIX')?.split(',');
      if (prefixes) for (const name of needed) expect(prefixes.some((p) => name.startsWith(p)), name).toBe(true);
    }
  });
});

describe('symlink layouts the daemon reads through', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const scratch = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'nango-gitops-layout-'));
    dirs.push(d);
    return d;
  };
  const integration = (key: string, name: string): string => `integrations:\n  - unique_key: ${key}\n    provider: posthog\n    display_name: ${name}\n`;

  async function read(path: string): Promise<{ keys: string[]; names: string[]; files: number }> {
    const result = await loadDesiredState({ paths: [path], env: {}, cwd: tmpdir() });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const state = result.state;
    if (!state) throw new Error('no state');
    return {
      keys: state.integrations.map((i) => i.unique_key).sort(),
      names: state.integrations.map((i) => i.display_name ?? '').sort(),
      files: state.files.length,
    };
  }

  it('git-sync: root/current -> .worktrees/<hash>, swapped atomically', async () => {
    const root = scratch();
    mkdirSync(join(root, '.worktrees'));
    const commit = (hash: string, files: Record<string, string>): void => {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(root, '.worktrees', hash, 'nango', 'crm'), { recursive: true });
        writeFileSync(join(root, '.worktrees', hash, 'nango', name), text);
      }
      // git-sync's publish: a new relative link, renamed over the old one in one step.
      symlinkSync(join('.worktrees', hash), join(root, 'current.tmp'));
      renameSync(join(root, 'current.tmp'), join(root, 'current'));
    };
    const configDir = join(root, 'current', 'nango');

    commit('aaaa', { 'one.yaml': integration('one', 'One v1'), 'crm/two.yaml': integration('two', 'Two v1') });
    expect(await read(configDir)).toEqual({ keys: ['one', 'two'], names: ['One v1', 'Two v1'], files: 2 });

    commit('bbbb', { 'one.yaml': integration('one', 'One v2'), 'three.yaml': integration('three', 'Three v2') });
    rmSync(join(root, '.worktrees', 'aaaa'), { recursive: true });
    expect(await read(configDir)).toEqual({ keys: ['one', 'three'], names: ['One v2', 'Three v2'], files: 2 });
  });

  it('ConfigMap: ..data -> ..<timestamp>, visible files linked through ..data', async () => {
    const dir = scratch();
    // The kubelet's AtomicWriter, step by step.
    const writeVersion = (stamp: string, files: Record<string, string>): void => {
      mkdirSync(join(dir, stamp));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, stamp, name), text);
      symlinkSync(stamp, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    const linkVisible = (names: string[]): void => {
      for (const name of names) symlinkSync(join('..data', name), join(dir, name));
    };

    writeVersion('..2025_01_01_00_00_00.000000001', { 'slack.yaml': integration('slack', 'Slack v1'), 'posthog.yaml': integration('posthog', 'PostHog v1') });
    linkVisible(['slack.yaml', 'posthog.yaml']);
    expect(await read(dir)).toEqual({ keys: ['posthog', 'slack'], names: ['PostHog v1', 'Slack v1'], files: 2 });

    // Update: posthog.yaml removed, linear.yaml added, slack.yaml changed.
    writeVersion('..2025_01_01_00_01_00.000000002', { 'slack.yaml': integration('slack', 'Slack v2'), 'linear.yaml': integration('linear', 'Linear v2') });
    // Between the ..data swap and the clean-up, the old visible link dangles: the read fails closed
    // (no partial state), and the daemon reads again on the next event.
    const midway = await loadDesiredState({ paths: [dir], env: {}, cwd: tmpdir() });
    expect(midway.state).toBeUndefined();
    expect(midway.diagnostics.map((d) => d.message).join('\n')).toMatch(/broken symlink .*posthog\.yaml/);

    linkVisible(['linear.yaml']);
    unlinkSync(join(dir, 'posthog.yaml'));
    rmSync(join(dir, '..2025_01_01_00_00_00.000000001'), { recursive: true });
    expect(await read(dir)).toEqual({ keys: ['linear', 'slack'], names: ['Linear v2', 'Slack v2'], files: 2 });
  });
});

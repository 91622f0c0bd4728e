// The Kustomize examples must match what the daemon really does: its port, probe paths, env names, the
// symlink layouts git-sync and ConfigMap volumes publish, and a ConfigMap that holds every config file.
// Each overlay is rendered with `kubectl kustomize` (kubectl missing = failure, not a skip).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BOOLEAN_FLAG_ENV_VARS } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { keyVariable } from '../../src/config/environments.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadDesiredState } from '../../src/config/index.js';
import { DEFAULT_LISTEN, parseListen } from '../../src/daemon/listen.js';
import { startSchedule } from '../../src/daemon/schedule.js';
import { startHttpServer } from '../../src/daemon/server.js';
import { startEmulator } from '../emulator/server.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { byKind, KUBERNETES, kustomize, kustomizeWith, MONITORING, one, overlays, parseManifests, type Manifest } from '../helpers/kustomize.js';

const EXAMPLES = join(ROOT, 'config-examples');
const CONFIGMAP_OVERLAY = join(KUBERNETES, 'overlays', 'configmap');
const CONFIGMAP_SOURCE = join(CONFIGMAP_OVERLAY, 'nango');
const CHECK_SCRIPT = join(CONFIGMAP_OVERLAY, 'check-configmap.mjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

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
  subPath?: string;
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
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string; items?: Array<{ key: string; path: string }> };
  secret?: { secretName: string; items?: Array<{ key: string; path: string }> };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: Volume[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; fsGroup?: number };
}
interface DeploymentSpec {
  replicas: number;
  strategy: { type: string };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
}

const secrets = byKind(parseManifests(readFileSync(join(KUBERNETES, 'secret.example.yaml'), 'utf8'), 'secret.example.yaml'), 'Secret');
const OVERLAYS = overlays();
const rendered = new Map(OVERLAYS.map((name) => [name, kustomize(join(KUBERNETES, 'overlays', name))]));
const render = (overlay: string): Manifest[] => {
  const found = rendered.get(overlay);
  if (!found) throw new Error(`no overlay ${overlay}`);
  return found;
};

const deploymentSpec = (m: Manifest): DeploymentSpec => m.spec as unknown as DeploymentSpec;
const pod = (m: Manifest): PodSpec => deploymentSpec(m).template.spec;
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
  // Comments may mention `${VAR}` as an example; only values are interpolated.
  const values = text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
  return new Set([...values.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''));
}

/** Relative paths of the YAML files under `dir`, as the daemon discovers them (dot names skipped). */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => /\.ya?ml$/.test(f) && !f.split('/').some((part) => part.startsWith('.')))
    .sort();
}

/** The config volume of the ConfigMap overlay: path under the mount → content, as the kubelet writes it. */
function mountedConfig(manifests: Manifest[]): Map<string, string> {
  const deployment = one(manifests, 'Deployment');
  const c = daemonContainer(deployment);
  const mount = mountFor(c, configPath(c));
  const volume = pod(deployment).volumes.find((v) => v.name === mount?.name);
  const map = byKind(manifests, 'ConfigMap').find((m) => m.metadata.name === volume?.configMap?.name);
  if (!volume?.configMap || !map?.data) throw new Error('the daemon does not read its config from a rendered ConfigMap');
  const data = map.data;
  const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  return new Map(
    items.map((item) => {
      const text = data[item.key];
      if (text === undefined) throw new Error(`the volume mounts key ${item.key}, which the ConfigMap lacks`);
      return [item.path, text];
    }),
  );
}

function runNode(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

const scratchDirs: string[] = [];
afterEach(() => {
  for (const d of scratchDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const scratch = (label = 'layout'): string => {
  const d = mkdtempSync(join(tmpdir(), `nango-gitops-${label}-`));
  scratchDirs.push(d);
  return d;
};

describe('Kustomize layout', () => {
  it('a base, a git-sync, a ConfigMap and an environments overlay, and the environments and monitoring components', () => {
    expect(OVERLAYS).toEqual(['configmap', 'environments', 'git-sync']);
    expect(readdirSync(join(KUBERNETES, 'components')).sort()).toEqual(['environments', 'monitoring']);
  });

  it('the base alone has no config source and a placeholder image: an overlay must add both', () => {
    const base = kustomize(join(KUBERNETES, 'base'));
    expect(base.map((m) => m.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    const c = daemonContainer(one(base, 'Deployment'));
    expect(c.args).toEqual(['daemon']);
    expect(c.image).toBe('nango-gitops');
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
});

describe.each(OVERLAYS)('overlays/%s (kubectl kustomize)', (overlay) => {
  const manifests = render(overlay);
  const deployment = one(manifests, 'Deployment');
  const spec = deploymentSpec(deployment);
  const c = daemonContainer(deployment);

  it('renders a ServiceAccount, one Deployment and its Service; the pod runs as that account without a token', () => {
    const account = one(manifests, 'ServiceAccount');
    expect(spec.template.spec.serviceAccountName).toBe(account.metadata.name);
    expect(spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(account['automountServiceAccountToken']).toBe(false);
    expect(byKind(manifests, 'Deployment')).toHaveLength(1);
  });

  it(`runs the released image (tag ${VERSION}, the package version)`, () => {
    expect(c.image).toMatch(/^ghcr\.io\/[\w.-]+\/nango-gitops:[\w.-]+$/);
    expect(c.image.split(':')[1]).toBe(VERSION);
  });

  it('exposes 8080 as "http", probes /healthz and /readyz on it, and is scraped there', () => {
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    const listen = envValue(c, 'NANGO_GITOPS_LISTEN');
    if (listen !== undefined) expect(parseListen(listen)?.port).toBe(8080);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    const service = one(manifests, 'Service');
    expect(service.spec).toMatchObject({ ports: [{ name: 'http', port: 8080, targetPort: 'http' }] });
    expect((service.spec as { selector: unknown }).selector).toEqual(spec.selector.matchLabels);
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
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

  it('reads the Nango key (one per environment with an environments block), and every other secretKeyRef, from keys secret.example.yaml defines', async () => {
    const keys = overlay === 'environments' ? await environmentKeyVariables() : ['NANGO_SECRET_KEY'];
    for (const name of keys) expect(c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef, name).toBeDefined();
    if (overlay === 'environments') expect(c.env?.map((e) => e.name)).not.toContain('NANGO_SECRET_KEY');
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
    expect(spec.template.spec.volumes.map((v) => v.name)).toContain(config.name);
    expect(config.readOnly).toBe(true);
    // A subPath mount never sees updates of its volume.
    expect(config.subPath).toBeUndefined();

    const state = envValue(c, 'NANGO_GITOPS_STATE');
    if (state === undefined) throw new Error('NANGO_GITOPS_STATE not set: the default path is on the read-only root filesystem');
    const stateMount = mounted(state);
    expect(stateMount.readOnly).not.toBe(true);
    expect(spec.template.spec.volumes.find((v) => v.name === stateMount.name)?.emptyDir).toBeDefined();

    const files = (c.env ?? []).filter((e) => e.name.endsWith('_FILE'));
    expect(files.length).toBeGreaterThan(0);
    for (const e of files) {
      const path = e.value ?? '';
      const mount = mounted(path);
      const volume = spec.template.spec.volumes.find((v) => v.name === mount.name);
      const item = volume?.secret?.items?.find((i) => join(mount.mountPath, i.path) === path);
      expect(item, `${e.name}=${path}`).toBeDefined();
      expect(secretKeys(volume?.secret?.secretName ?? ''), e.name).toContain(item?.key);
    }
    // Every mount names a volume of the pod.
    const podSpec = spec.template.spec;
    for (const container of [...podSpec.containers, ...(podSpec.initContainers ?? [])]) {
      for (const m of container.volumeMounts ?? []) expect(podSpec.volumes.map((v) => v.name), `${container.name}: ${m.name}`).toContain(m.name);
    }
  });

  it('every container runs non-root on a read-only root filesystem, without privileges, with requests and a memory limit', () => {
    const podSpec = spec.template.spec;
    expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
    expect(c.securityContext?.runAsUser ?? podSpec.securityContext?.runAsUser).toBe(1000);
    for (const container of [...podSpec.containers, ...(podSpec.initContainers ?? [])]) {
      const sc = container.securityContext;
      expect(sc?.readOnlyRootFilesystem, container.name).toBe(true);
      expect(sc?.allowPrivilegeEscalation, container.name).toBe(false);
      expect(sc?.capabilities?.drop, container.name).toEqual(['ALL']);
      expect(sc?.runAsUser ?? podSpec.securityContext?.runAsUser, container.name).toBeGreaterThan(0);
      expect(container.resources?.requests, container.name).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits?.['memory'], container.name).toBeDefined();
    }
  });

  it('runs one replica with the Recreate strategy (never two daemons on one environment)', () => {
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('supplies every variable its config references (as NAME or NAME_FILE), within NANGO_GITOPS_ENV_PREFIX', () => {
    // git-sync clones a repository shaped like config-examples/nango (config-examples/environments for the
    // environments overlay); the ConfigMap overlay ships its own.
    const source = join(EXAMPLES, overlay === 'environments' ? 'environments' : 'nango');
    const config =
      overlay === 'configmap'
        ? [...mountedConfig(manifests).values()].join('\n')
        : yamlFiles(source)
            .map((f) => readFileSync(join(source, f), 'utf8'))
            .join('\n');
    const provided = new Set((c.env ?? []).map((e) => e.name.replace(/_FILE$/, '')));
    const needed = referencedVariables(config);
    expect(needed.size).toBeGreaterThan(0);
    for (const name of needed) expect(provided, name).toContain(name);
    const prefixes = envValue(c, 'NANGO_GITOPS_ENV_PREFIX')?.split(',');
    expect(prefixes).toBeDefined();
    for (const name of needed) expect(prefixes?.some((p) => name.startsWith(p)), name).toBe(true);
  });
});

/** The key variables the environments block of config-examples/environments names, read by the CLI's loader. */
async function environmentKeyVariables(): Promise<string[]> {
  const loaded = await loadConfig({ paths: [join(EXAMPLES, 'environments')], env: {}, cwd: ROOT });
  const entries = [...(loaded.sources.block?.entries.values() ?? [])];
  const names = entries.map((e) => keyVariable(e)).filter((n): n is string => n !== undefined);
  expect(names.length).toBe(entries.length);
  return names.sort();
}

/**
 * The daemon container's environment as the kubelet would give it, with secret.example.yaml's values:
 * secretKeyRefs resolved, and every *_FILE pointing at a file holding its Secret item.
 */
function containerEnvironment(manifests: Manifest[], dir: string): Record<string, string> {
  const deployment = one(manifests, 'Deployment');
  const c = daemonContainer(deployment);
  const value = (secret: string, key: string): string => {
    const s = secrets.find((x) => x.metadata.name === secret);
    const v = s?.stringData?.[key];
    if (v === undefined) throw new Error(`secret.example.yaml has no ${secret}/${key}`);
    return v;
  };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    env[e.name] = ref ? value(ref.name, ref.key) : (e.value ?? '');
  }
  for (const [name, path] of Object.entries(env).filter(([n]) => n.endsWith('_FILE'))) {
    const mount = mountFor(c, path);
    const volume = pod(deployment).volumes.find((v) => v.name === mount?.name);
    const item = volume?.secret?.items?.find((i) => join(mount?.mountPath ?? '', i.path) === path);
    if (!volume?.secret || !item) throw new Error(`${name}=${path} is not a mounted Secret item`);
    const local = join(dir, item.path);
    writeFileSync(local, `${value(volume.secret.secretName, item.key)}\n`);
    env[name] = local;
  }
  return env;
}

describe('overlays/environments: one daemon, several Nango environments', () => {
  const manifests = render('environments');
  const c = daemonContainer(one(manifests, 'Deployment'));

  it('gives the daemon exactly the key variables the environments block of config-examples/environments names, from the Secret nango-gitops', async () => {
    const keys = await environmentKeyVariables();
    expect(keys).toEqual(['NANGO_SECRET_KEY_DEV', 'NANGO_SECRET_KEY_PROD']);
    const given = (c.env ?? []).map((e) => e.name).filter((n) => /^NANGO_SECRET_KEY/.test(n)).sort();
    expect(given).toEqual(keys);
    for (const name of keys) expect(c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef?.name).toBe('nango-gitops');
    // git-sync, as in its own overlay: the repository's nango/ directory holds the environments block.
    expect(configPath(c)).toBe('/git/current/nango');
  });

  it('with that environment (secret.example.yaml values, files where the pod mounts them), the CLI plans config-examples/environments in dev and prod', async () => {
    const dir = scratch('environments-env');
    const env = containerEnvironment(manifests, dir);
    const key = (name: string): string => env[name] ?? '';
    // Nango stands in as the emulator, serving the two keys of secret.example.yaml as dev and prod.
    const emu = await startEmulator({ keys: [{ secretKey: key('NANGO_SECRET_KEY_DEV'), environment: 'dev' }, { secretKey: key('NANGO_SECRET_KEY_PROD'), environment: 'prod' }] });
    try {
      const local: Record<string, string> = { ...env, NANGO_HOST: emu.url, NANGO_HOST_DEV: emu.url, NANGO_GITOPS_STATE: join(dir, 'state.json') };
      const result = await runCli(['plan', '-c', join(EXAMPLES, 'environments'), '--detailed-exitcode'], { env: local });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(2);
      expect(result.stdout).toContain(`Environment dev (${emu.url})`);
      expect(result.stdout).toContain(`Environment prod (${emu.url})`);
      expect(new Set(emu.requests.map((r) => r.environment))).toEqual(new Set(['dev', 'prod']));
      // Without prod's key the manifest would be wrong: the CLI names the variable it must supply.
      const { NANGO_SECRET_KEY_PROD: _prod, ...withoutProd } = local;
      const missing = await runCli(['plan', '-c', join(EXAMPLES, 'environments')], { env: withoutProd });
      expect(missing.code).toBe(1);
      expect(missing.stdout + missing.stderr).toContain('NANGO_SECRET_KEY_PROD');
    } finally {
      await emu.close();
    }
  });
});

describe('overlays/git-sync', () => {
  it('git-sync publishes the checkout where the daemon reads it', () => {
    const m = one(render('git-sync'), 'Deployment');
    const spec = pod(m);
    const gitSync = [...spec.containers, ...(spec.initContainers ?? [])].filter((x) => x.image.startsWith('registry.k8s.io/git-sync/git-sync:v4.'));
    expect(gitSync.map((x) => x.name).sort()).toEqual(['git-sync', 'git-sync-init']);
    expect(spec.initContainers?.map((x) => x.name)).toEqual(['git-sync-init']);
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
      // git writes its config under HOME=/tmp (the image's setting): writable although the root is not.
      expect(g.volumeMounts?.find((v) => v.mountPath === '/tmp')).toBeDefined();
    }
    expect(gitSync.find((g) => g.name === 'git-sync')?.args).toContain('--period=30s');
    expect(spec.volumes.find((v) => v.name === 'git')?.emptyDir).toBeDefined();
    // git-sync's group owns the checkout; the daemon reads it through fsGroup.
    expect(spec.securityContext?.fsGroup).toBe(65533);
  });
});

describe('overlays/configmap: no config file can go missing', () => {
  const kustomization = parse(readFileSync(join(CONFIGMAP_OVERLAY, 'kustomization.yaml'), 'utf8')) as {
    configMapGenerator: Array<{ name: string; files: string[] }>;
  };

  it("the configMapGenerator lists every file under nango/, nested ones included, each under its path's key", () => {
    const [generator] = kustomization.configMapGenerator;
    const listed = (generator?.files ?? []).map((entry) => {
      const [key, path] = entry.split('=');
      expect(path, `${entry}: write KEY=PATH`).toBeDefined();
      return { key: key ?? '', path: posix.relative('nango', path ?? '') };
    });
    const onDisk = yamlFiles(CONFIGMAP_SOURCE);
    expect(onDisk.some((f) => f.includes('/')), 'the example has a nested file').toBe(true);
    expect(listed.map((l) => l.path).sort()).toEqual(onDisk);
    for (const { key, path } of listed) expect(key).toBe(path.replaceAll('/', '__'));
  });

  it('the rendered volume mounts each file at its own path with its content', () => {
    const mounted = mountedConfig(render('configmap'));
    const onDisk = yamlFiles(CONFIGMAP_SOURCE);
    expect([...mounted.keys()].sort()).toEqual(onDisk);
    for (const file of onDisk) expect(mounted.get(file), file).toBe(readFileSync(join(CONFIGMAP_SOURCE, file), 'utf8'));
  });

  it('the daemon reads the same config from the volume as the kubelet lays it out as from nango/', async () => {
    const dir = scratch('configmap-volume');
    // The kubelet's AtomicWriter: files in a timestamped directory, `..data` pointing at it, and one
    // visible link per top-level entry (a nested path's directory included).
    const stamp = '..2026_01_01_00_00_00.000000001';
    for (const [path, text] of mountedConfig(render('configmap'))) {
      mkdirSync(dirname(join(dir, stamp, path)), { recursive: true });
      writeFileSync(join(dir, stamp, path), text);
    }
    symlinkSync(stamp, join(dir, '..data'));
    for (const top of readdirSync(join(dir, stamp))) symlinkSync(join('..data', top), join(dir, top));

    const envFiles = [join(EXAMPLES, 'demo.env')];
    const fromVolume = await loadDesiredState({ paths: [dir], env: {}, envFiles, cwd: dir });
    const fromSource = await loadDesiredState({ paths: [CONFIGMAP_SOURCE], env: {}, envFiles, cwd: CONFIGMAP_SOURCE });
    expect(fromVolume.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(fromVolume.state?.files.length).toBe(yamlFiles(CONFIGMAP_SOURCE).length);
    expect(fromVolume.state?.integrations.map((i) => i.unique_key).sort()).toEqual(['hubspot', 'posthog', 'slack-production']);
    expect(JSON.stringify(fromVolume.state?.integrations)).toBe(JSON.stringify(fromSource.state?.integrations));
    expect(fromVolume.state?.settings).toEqual(fromSource.state?.settings);
  });

  describe('check-configmap.mjs (the check users run in CI)', () => {
    /** A copy of config-examples/kubernetes to break; the overlay refers to ../../base. */
    function copy(): string {
      const dir = scratch('configmap-check');
      cpSync(KUBERNETES, join(dir, 'kubernetes'), { recursive: true });
      return join(dir, 'kubernetes', 'overlays', 'configmap');
    }

    it('passes on the example', async () => {
      const result = await runNode([CHECK_SCRIPT], ROOT);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`the ${yamlFiles(CONFIGMAP_SOURCE).length} config files`);
    });

    it('fails on a nested file the generator does not list, and says what to add', async () => {
      const overlay = copy();
      mkdirSync(join(overlay, 'nango', 'crm', 'sales'), { recursive: true });
      writeFileSync(join(overlay, 'nango', 'crm', 'sales', 'salesforce.yaml'), 'integrations: []\n');
      const result = await runNode([join(overlay, 'check-configmap.mjs')], overlay);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('nango/crm/sales/salesforce.yaml: not in the ConfigMap');
      expect(result.stderr).toContain('"crm__sales__salesforce.yaml=nango/crm/sales/salesforce.yaml"');
      expect(result.stderr).toContain('{key: crm__sales__salesforce.yaml, path: crm/sales/salesforce.yaml}');
    });

    it('fails on a file the generator lists but the volume does not mount', async () => {
      const overlay = copy();
      const patch = join(overlay, 'deployment-patch.yaml');
      const text = readFileSync(patch, 'utf8');
      const without = text.replace(/\n\s+- key: crm__hubspot\.yaml\n\s+path: crm\/hubspot\.yaml/, '');
      expect(without).not.toBe(text);
      writeFileSync(patch, without);
      const result = await runNode([join(overlay, 'check-configmap.mjs')], overlay);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('nango/crm/hubspot.yaml: in the ConfigMap as "crm__hubspot.yaml" but not mounted');
    });

    it('fails when a key is mounted at the wrong path', async () => {
      const overlay = copy();
      const patch = join(overlay, 'deployment-patch.yaml');
      writeFileSync(patch, readFileSync(patch, 'utf8').replace('path: crm/hubspot.yaml', 'path: hubspot.yaml'));
      const result = await runNode([join(overlay, 'check-configmap.mjs')], overlay);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('nango/crm/hubspot.yaml: in the ConfigMap as "crm__hubspot.yaml" but mounted at hubspot.yaml: make that item\'s path crm/hubspot.yaml');
      expect(result.stderr).toContain('key "crm__hubspot.yaml" is mounted at hubspot.yaml, which is not a file under nango');
    });
  });
});

describe('components/monitoring', () => {
  const withMonitoring = new Map(OVERLAYS.map((name) => [name, kustomizeWith(join(KUBERNETES, 'overlays', name), [MONITORING])]));

  it.each(OVERLAYS)('%s: adds a ServiceMonitor on the Service port, alerts and a dashboard, and leaves the Deployment alone', (overlay) => {
    const manifests = withMonitoring.get(overlay) ?? [];
    expect(one(manifests, 'Deployment')).toEqual(one(render(overlay), 'Deployment'));
    const service = one(manifests, 'Service');
    const monitor = one(manifests, 'ServiceMonitor');
    const monitorSpec = monitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }>; jobLabel: string };
    expect(service.metadata.labels).toMatchObject(monitorSpec.selector.matchLabels);
    expect(monitorSpec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    // job="nango-gitops", which NangoGitopsDown selects on.
    expect(service.metadata.labels?.[monitorSpec.jobLabel]).toBe('nango-gitops');

    const rules = alertRules(manifests);
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'NangoGitopsConfigInvalid',
      'NangoGitopsDown',
      'NangoGitopsDrift',
      'NangoGitopsNoRecentSuccess',
      'NangoGitopsRateLimited',
      'NangoGitopsReconcileFailing',
    ]);
    for (const rule of rules) {
      expect(rule.labels?.['severity'], rule.alert).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.['summary'], rule.alert).toBeTruthy();
    }

    const dashboard = byKind(manifests, 'ConfigMap').find((m) => m.metadata.labels?.['grafana_dashboard'] === '1');
    expect(dashboard?.metadata.name).toBe('nango-gitops-dashboard');
    expect(dashboard?.data?.['nango-gitops.json']).toBe(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8'));
  });

  it('drift alerts only for --plan daemons, after an hour', () => {
    const drift = alertRules(withMonitoring.get('git-sync') ?? []).find((r) => r.alert === 'NangoGitopsDrift');
    expect(drift?.expr).toContain('nango_gitops_planned_changes');
    expect(drift?.expr).toContain('nango_gitops_info{mode="plan"}');
    expect(drift?.for).toBe('1h');
  });

  it("NangoGitopsNoRecentSuccess waits three periods of the Deployment's schedule", async () => {
    for (const overlay of OVERLAYS) {
      const schedule = envValue(daemonContainer(one(render(overlay), 'Deployment')), 'NANGO_GITOPS_SCHEDULE');
      if (schedule === undefined) throw new Error(`${overlay}: NANGO_GITOPS_SCHEDULE not set, the alert's period would be a guess`);
      const task = startSchedule(schedule, { onTick: () => undefined, logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } });
      await task.stop();
      const rule = alertRules(withMonitoring.get(overlay) ?? []).find((r) => r.alert === 'NangoGitopsNoRecentSuccess');
      const [, periods, seconds] = /> (\d+) \* (\d+)\b/.exec(rule?.expr ?? '') ?? [];
      expect(Number(periods)).toBe(3);
      expect(Number(seconds) * 1000).toBe(task.periodMs);
    }
  });

  it('the dashboard is valid Grafana JSON with a Prometheus data source variable', () => {
    const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
      templating: { list: Array<{ name: string; type: string; query: unknown }> };
    };
    expect(dashboard.uid).toBe('nango-gitops');
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
function alertRules(manifests: Manifest[]): AlertRule[] {
  const spec = one(manifests, 'PrometheusRule').spec as { groups: Array<{ rules: AlertRule[] }> };
  return spec.groups.flatMap((g) => g.rules);
}

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

#!/usr/bin/env node
// Fails when the ConfigMap this overlay renders would not give the daemon exactly the config files under
// the config directory: a file left out of configMapGenerator or of the volume's items, mounted at
// another path, or a listed file that no longer exists. A missing file is not an error in the cluster,
// just a smaller config (with prune on, its integrations would be deleted), hence this check for CI.
//
//   node check-configmap.mjs [OVERLAY_DIR] [--config CONFIG_DIR]
//
// OVERLAY_DIR defaults to this script's directory, CONFIG_DIR to OVERLAY_DIR/nango. It renders the
// overlay with `kubectl kustomize` (kubectl 1.27+ or kustomize 5 embedded), so it checks what would be
// applied. No npm dependency: Node 20+ and kubectl only. Exit 0: all present; 1: a mismatch; 2: it could
// not run.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

function fail(code, message) {
  process.stderr.write(`check-configmap: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  let overlay;
  let config;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config') config = argv[++i];
    else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else if (arg === '-h' || arg === '--help') fail(0, 'usage: node check-configmap.mjs [OVERLAY_DIR] [--config CONFIG_DIR]');
    else if (overlay === undefined && !arg.startsWith('-')) overlay = arg;
    else fail(2, `unexpected argument "${arg}"`);
  }
  overlay = resolve(overlay ?? dirname(fileURLToPath(import.meta.url)));
  if (config === '') fail(2, '--config needs a directory');
  return { overlay, config: resolve(overlay, config ?? 'nango') };
}

/** The config files the daemon reads under `dir`: *.yaml and *.yml, names starting with "." skipped as it does. */
function configFiles(dir) {
  const found = [];
  const walk = (abs) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry.name)) found.push(relative(dir, path).split(sep).join('/'));
    }
  };
  try {
    walk(dir);
  } catch (error) {
    fail(2, `cannot read the config directory ${dir}: ${error.message}`);
  }
  return found.sort();
}

/** kubectl prints several objects as consecutive JSON documents; split them without a YAML parser. */
function splitJsonObjects(text) {
  const objects = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0) objects.push(JSON.parse(text.slice(start, i + 1)));
  }
  return objects;
}

function render(overlay) {
  const kubectl = (args, input) => {
    try {
      return execFileSync('kubectl', args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      if (error.code === 'ENOENT') fail(2, 'kubectl not found on PATH');
      fail(2, `kubectl ${args[0]} failed: ${(error.stderr || error.message).trim()}`);
    }
  };
  const yaml = kubectl(['kustomize', overlay]);
  // `annotate --local` converts YAML to JSON without a cluster; the annotation only exists in this output.
  return splitJsonObjects(kubectl(['annotate', '--local', '-f', '-', '-o', 'json', 'nango-gitops.check=1'], yaml));
}

/** `-c`/`--config` paths of the daemon containers (or NANGO_GITOPS_CONFIG). */
function configPaths(container) {
  const args = container.args ?? [];
  const paths = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '--config') paths.push(args[i + 1]);
    else if (args[i].startsWith('--config=')) paths.push(args[i].slice('--config='.length));
  }
  const env = (container.env ?? []).find((e) => e.name === 'NANGO_GITOPS_CONFIG')?.value;
  if (paths.length === 0 && env) paths.push(...env.split(','));
  return paths.filter((p) => p !== undefined && p !== '');
}

/** A path as messages show it: relative to the working directory when inside it. */
function show(path) {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

function inside(path, dir) {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

const { overlay, config } = parseArgs(process.argv.slice(2));
const objects = render(overlay);
const onDisk = configFiles(config);
const problems = [];
let checked = 0;

for (const deployment of objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))) {
  const pod = deployment.spec?.template?.spec ?? {};
  for (const container of pod.containers ?? []) {
    for (const path of configPaths(container)) {
      const mount = (container.volumeMounts ?? []).find((m) => inside(posix.normalize(path), m.mountPath));
      const volume = (pod.volumes ?? []).find((v) => v.name === mount?.name);
      if (!volume?.configMap) continue; // not fed by a ConfigMap (e.g. git-sync): nothing to compare
      checked++;
      const where = `${deployment.kind}/${deployment.metadata.name} container ${container.name} -c ${path}`;
      if (mount.subPath) problems.push(`${where}: mounted with subPath, which never sees ConfigMap updates`);
      const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
      if (!map) {
        problems.push(`${where}: ConfigMap ${volume.configMap.name} is not in the rendered overlay`);
        continue;
      }
      const data = map.data ?? {};
      const items = volume.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      // What the daemon sees under its -c path: relative path -> content.
      const sub = posix.relative(mount.mountPath, posix.normalize(path));
      const mounted = new Map();
      for (const item of items) {
        if (!(item.key in data)) {
          problems.push(`${where}: the volume mounts key "${item.key}", which ConfigMap ${map.metadata.name} does not have (the pod would not start)`);
          continue;
        }
        const rel = posix.relative(sub, posix.normalize(item.path));
        if (rel.startsWith('..')) continue;
        mounted.set(rel, { key: item.key, text: data[item.key] });
      }
      for (const file of onDisk) {
        const text = readFileSync(join(config, file), 'utf8');
        const got = mounted.get(file);
        const display = show(join(config, file));
        if (!got) {
          const itemPath = posix.join(sub, file);
          const listed = Object.entries(data).find(([, value]) => value === text)?.[0];
          const item = items.find((i) => i.key === listed);
          if (listed === undefined) {
            const key = file.replaceAll('/', '__');
            const source = relative(overlay, join(config, file)).split(sep).join('/');
            problems.push(`${display}: not in the ConfigMap: add "${key}=${source}" to configMapGenerator files and {key: ${key}, path: ${itemPath}} to the volume's items`);
          } else if (!item) {
            problems.push(`${display}: in the ConfigMap as "${listed}" but not mounted: add {key: ${listed}, path: ${itemPath}} to the volume's items`);
          } else {
            problems.push(`${display}: in the ConfigMap as "${listed}" but mounted at ${item.path}: make that item's path ${itemPath}`);
          }
        } else if (got.text !== text) {
          problems.push(`${display}: the daemon would read key "${got.key}" at ${file}, whose content differs (a key mapped to the wrong path?)`);
        }
      }
      const expected = new Set(onDisk);
      for (const [file, { key }] of mounted) {
        if (!expected.has(file) && /\.ya?ml$/.test(file)) problems.push(`${where}: key "${key}" is mounted at ${file}, which is not a file under ${show(config)}`);
      }
    }
  }
}

if (checked === 0) fail(2, `no daemon container in ${overlay} reads its config (-c) from a ConfigMap volume`);
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`check-configmap: ${p}\n`);
  process.exit(1);
}
process.stdout.write(`check-configmap: the ${onDisk.length} config files under ${show(config)} are all in the ConfigMap, each mounted at its own path\n`);

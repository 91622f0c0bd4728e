// Renders the Kustomize examples with `kubectl kustomize`, as `kubectl apply -k` would. kubectl is a
// requirement of the test suite (installed on CI runners): without it these tests fail, they never skip.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './cli.js';

export const KUBERNETES = join(ROOT, 'config-examples', 'kubernetes');
export const MONITORING = join(KUBERNETES, 'components', 'monitoring');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [field: string]: unknown;
}

/** Every overlay under config-examples/kubernetes/overlays, so a new one is tested without listing it. */
export function overlays(): string[] {
  return readdirSync(join(KUBERNETES, 'overlays'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export function parseManifests(text: string, what: string): Manifest[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error(`${what}: not YAML documents`);
  for (const doc of docs) if (doc.errors.length > 0) throw new Error(`${what}: ${doc.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS() as Manifest).filter((m) => m !== null);
}

/** `kubectl kustomize dir`, parsed. */
export function kustomize(dir: string): Manifest[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('kubectl not found on PATH: the Kustomize tests need kubectl (1.27+, with kustomize built in)');
    throw new Error(`kubectl kustomize ${relative(ROOT, dir)} failed: ${e.stderr ?? e.message}`);
  }
  return parseManifests(text, relative(ROOT, dir));
}

/**
 * An overlay with components added, as a user's own kustomization would: a temporary kustomization that
 * takes the overlay as its resource (Kustomize wants paths relative to it).
 */
export function kustomizeWith(overlay: string, components: string[]): Manifest[] {
  const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-kustomize-'));
  try {
    const lines = ['resources:', `  - ${relative(dir, overlay)}`, 'components:', ...components.map((c) => `  - ${relative(dir, c)}`)];
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return kustomize(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function one(manifests: Manifest[], kind: string): Manifest {
  const found = byKind(manifests, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Manifest;
}

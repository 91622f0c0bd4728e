// The npm package as users get it: `npm pack` from a copy of the working tree (its `prepare` script
// builds), installed into an empty project without dev dependencies, then `npx nango-gitops` against the
// emulator; and `npm install <git url>`, which builds through the same script. Needs the npm registry or
// a warm npm cache (CI runs `npm ci` first); everything else is local.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, posix, relative } from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { ROOT } from '../helpers/cli.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// npm passes its own settings to scripts as npm_* variables; a nested npm must not inherit the outer
// run's package and prefix. Cache, registry and proxy settings stay.
const KEEP_NPM = /^npm_config_(cache|registry|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl|cafile)$/i;
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || KEEP_NPM.test(k)));

/** Asynchronous on purpose: the emulator answers from this process, a blocking spawn would starve it. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...cleanEnv, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<Run> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stderr}\n${result.stdout}`);
  return result;
}

const scratch: string[] = [];
function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nango-gitops-${label}-`));
  scratch.push(dir);
  return dir;
}

/** The working tree as committed plus uncommitted edits and new files, minus what .gitignore excludes. */
async function copyWorkingTree(to: string): Promise<void> {
  const listed = (await ok('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)).stdout.split('\0').filter(Boolean);
  for (const file of listed) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file));
  }
}

function emptyProject(label: string): string {
  const dir = tempDir(label);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `${label}-project`, version: '1.0.0', private: true }));
  return dir;
}

function walk(dir: string): { files: string[]; emptyDirs: string[] } {
  const files: string[] = [];
  const emptyDirs: string[] = [];
  const visit = (abs: string): void => {
    const entries = readdirSync(abs, { withFileTypes: true });
    if (entries.length === 0) emptyDirs.push(relative(dir, abs));
    for (const e of entries) {
      if (e.isDirectory()) visit(join(abs, e.name));
      else files.push(relative(dir, join(abs, e.name)));
    }
  };
  visit(dir);
  return { files, emptyDirs };
}

/**
 * What a JavaScript file imports, requires or loads with import(), read from its syntax tree: the
 * inlined libraries carry comments and strings that look like imports.
 */
function moduleSpecifiers(file: string): string[] {
  const found: string[] = [];
  const literal = (node: unknown): string | undefined => {
    const n = node as { type?: string; value?: unknown } | undefined;
    return n?.type === 'Literal' && typeof n.value === 'string' ? n.value : undefined;
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown> & { type?: string };
    let spec: string | undefined;
    if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ExportNamedDeclaration') spec = literal(n['source']);
    if (n.type === 'ImportExpression') spec = literal(n['source']);
    if (n.type === 'CallExpression') {
      const callee = n['callee'] as { type?: string; name?: string } | undefined;
      // require(), and the bundle's own __require shim for inlined CommonJS.
      if (callee?.type === 'Identifier' && /require$/i.test(callee.name ?? '')) spec = literal((n['arguments'] as unknown[])[0]);
    }
    if (spec !== undefined) found.push(spec);
    for (const [key, value] of Object.entries(n)) if (key !== 'type') visit(value);
  };
  visit(parseAst(readFileSync(file, 'utf8'), {}, basename(file)).body);
  return found;
}

/** Packages a file loads at run time: node built-ins and relative paths left out. */
function packageImports(file: string): string[] {
  return moduleSpecifiers(file)
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('/') && !isBuiltin(spec))
    .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec)));
}

interface PackedFile {
  path: string;
}
interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: PackedFile[];
}

const sourcePackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('npm pack', () => {
  let source = '';
  let packed: PackResult;
  let project = '';
  let installed = '';
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator();
    source = tempDir('pack-source');
    await copyWorkingTree(source);
    // The copy has no dist/ nor generated/ (ignored); prepare must build them. Dependencies come from
    // this checkout's node_modules (installed from the same lockfile) rather than a second `npm ci`.
    expect(existsSync(join(source, 'dist'))).toBe(false);
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    const out = tempDir('pack-out');
    const pack = await ok('npm', ['pack', '--json', '--pack-destination', out], source);
    // The build's own output goes to stderr, so --json stays parseable.
    [packed] = JSON.parse(pack.stdout) as [PackResult];

    project = emptyProject('pack-install');
    await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=dev', join(out, packed.filename)], project);
    installed = join(project, 'node_modules', 'nango-gitops');
  }, 300_000);

  afterAll(async () => {
    await emu?.close();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the bundle, the generated catalog and validator, the schema and docs; no sources, tests or source maps', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['dist/cli/nango-gitops.js', 'generated/providers-catalog.json', 'generated/config-validator.cjs', 'generated/yaml-push.cjs', 'schemas/nango-gitops.schema.json', 'package.json', 'README.md', 'CHANGELOG.md']));
    // The GitHub Action runs from its release tags, which carry dist/action/ (docs/github-actions.md), never from npm.
    expect(paths.filter((p) => p.startsWith('dist/action/') || p === 'action.yml' || p.startsWith('src/'))).toEqual([]);
    for (const path of paths) {
      expect(path, path).toMatch(/^(dist\/cli\/([\w-]+\.js|package\.json)|generated\/[\w.-]+\.(json|cjs)|schemas\/[\w.-]+\.json|package\.json|README\.md|CHANGELOG\.md|LICENSE)$/);
    }
    // The bundle is CommonJS (code-cache.ts): its package.json says so, the package's own says "module".
    expect(JSON.parse(readFileSync(join(installed, 'dist', 'cli', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // Every chunk the entry point loads is in the tarball.
    for (const path of paths.filter((p) => p.startsWith('dist/cli/') && p.endsWith('.js'))) {
      for (const spec of moduleSpecifiers(join(source, path)).filter((s) => s.startsWith('./'))) {
        expect(paths, `${path} imports ${spec}`).toContain(posix.join('dist/cli', spec));
      }
    }
  });

  it('depends at run time on exactly what the bundle and the generated validator import; inlined libraries are dev dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: Record<string, string> };
    const imported = new Set(
      packed.files
        .map((f) => f.path)
        .filter((p) => /\.(js|cjs)$/.test(p))
        .flatMap((p) => packageImports(join(source, p))),
    );
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...imported].sort());
    // rolldown.config.mjs inlines these: users must not download them again.
    for (const name of ['yaml', 'commander']) {
      expect(manifest.dependencies, name).not.toHaveProperty(name);
      expect(manifest.devDependencies, name).toHaveProperty(name);
    }
    expect(manifest.dependencies).toEqual(sourcePackage.dependencies);
  });

  it('installs without dev dependencies and without empty folders', () => {
    const tree = walk(installed);
    expect(tree.emptyDirs).toEqual([]);
    expect(tree.files.filter((f) => /\.(ts|map)$/.test(f) || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    for (const dev of Object.keys(sourcePackage.devDependencies)) expect(existsSync(join(project, 'node_modules', dev)), dev).toBe(false);
  });

  it('runs `npx nango-gitops --version` and a plan against the emulator', async () => {
    const version = await ok('npx', ['--no', '--', 'nango-gitops', '--version'], project);
    expect(version.stdout.trim()).toBe(sourcePackage.version);

    mkdirSync(join(project, 'nango'));
    writeFileSync(join(project, 'nango', 'posthog.yaml'), 'integrations:\n  - unique_key: posthog\n    provider: posthog\n    display_name: PostHog\n');
    const env = { NANGO_HOST: emu.url, NANGO_SECRET_KEY: DEFAULT_SECRET_KEY };
    const plan = await run('npx', ['--no', '--', 'nango-gitops', 'plan', '-c', 'nango', '--detailed-exitcode', '--format', 'json'], project, env);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(2); // changes pending
    expect(JSON.parse(plan.stdout)).toMatchObject({ summary: { create: 1 } });
    expect(emu.requests.some((r) => r.method === 'GET' && r.path === '/integrations')).toBe(true);
    expect(emu.writes()).toEqual([]);
  });
});

describe('npm install <git url>', () => {
  afterAll(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('clones, builds through `prepare` with the dev dependencies, and installs a working CLI', async () => {
    const repo = tempDir('git-source');
    await copyWorkingTree(repo);
    const git = (...args: string[]): Promise<Run> => ok('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], repo);
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'snapshot');

    const project = emptyProject('git-install');
    await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `git+file://${repo}`], project);
    const installed = join(project, 'node_modules', 'nango-gitops');
    expect(existsSync(join(installed, 'dist', 'cli', 'nango-gitops.js'))).toBe(true);
    expect(existsSync(join(installed, 'generated', 'providers-catalog.json'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const version = await ok('npx', ['--no', '--', 'nango-gitops', '--version'], project);
    expect(version.stdout.trim()).toBe(sourcePackage.version);
  }, 300_000);
});

// The release workflow (.github/workflows/release.yml) cannot run here; what can be checked is its shape
// (triggers, permissions, pinned actions, what it publishes) and its shell steps, run with stand-ins.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push?: { tags?: string[]; branches?: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const TEXT = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
const workflow = parse(TEXT) as Workflow;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function job(name: string): Job {
  const found = workflow.jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
}
function step(j: Job, match: (s: Step) => boolean, what: string): Step {
  const found = j.steps.find(match);
  if (!found) throw new Error(`no step ${what}`);
  return found;
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs a step's script with bash -e, as GitHub's default shell does. */
function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-e', '-c', script], { cwd, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('release workflow', () => {
  it('runs on version tags only (not on the action\'s moving v0, v0.1 tags), read-only by default', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+*'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs).sort()).toEqual(['action', 'image', 'npm', 'test']);
  });

  it('pins every action to a full commit SHA, with the tag in a comment', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThanOrEqual(8);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of TEXT.split('\n').filter((l) => /\buses:/.test(l))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('tests first: both publishing jobs need the job that runs .ci/run', () => {
    expect(job('test').steps.map((s) => s.run)).toContain('.ci/run');
    expect(job('npm').needs).toBe('test');
    expect(job('image').needs).toBe('test');
    expect(job('action').needs).toBe('test');
  });

  it('refuses a tag that is not v + the package.json version', async () => {
    const check = step(job('test'), (s) => s.name === 'The tag matches package.json', 'tag check').run ?? '';
    expect((await bash(check, ROOT, { GITHUB_REF_NAME: `v${VERSION}` })).code).toBe(0);
    const wrong = await bash(check, ROOT, { GITHUB_REF_NAME: 'v99.0.0' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`::error::tag v99.0.0 does not match package.json version ${VERSION}`);
  });

  it('publishes to npm with provenance (id-token: write), public, pre-releases under the next tag', async () => {
    const npm = job('npm');
    expect(npm.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(step(npm, (s) => s.uses?.startsWith('actions/setup-node@') === true, 'setup-node').with).toMatchObject({ 'registry-url': 'https://registry.npmjs.org' });
    const publish = step(npm, (s) => s.name === 'Publish', 'publish');
    expect(publish.env).toEqual({ NODE_AUTH_TOKEN: '${{ secrets.NPM_TOKEN }}' });
    // npm accepts provenance only when package.json names the repository the workflow runs in.
    expect(npm.steps.map((s) => s.run ?? '').join('\n')).toContain('npm pkg set repository.type=git "repository.url=git+https://github.com/${GITHUB_REPOSITORY}.git"');

    // The publish script, with a stand-in npm that prints its arguments.
    for (const [version, tag] of [
      ['1.2.0', 'latest'],
      ['1.3.0-rc.1', 'next'],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-release-'));
      scratch.push(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'nango-gitops', version }));
      writeFileSync(join(dir, 'npm'), '#!/bin/sh\necho "npm $*"\n');
      chmodSync(join(dir, 'npm'), 0o755);
      const result = await bash(publish.run ?? '', dir, { PATH: `${dir}:${process.env.PATH ?? ''}` });
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(`npm publish --provenance --access public --tag ${tag}`);
    }
  });

  it('pushes a linux/amd64 + linux/arm64 image to GHCR', () => {
    const image = job('image');
    expect(image.permissions).toEqual({ contents: 'read', packages: 'write' });
    const uses = image.steps.map((s) => s.uses?.split('@')[0]);
    expect(uses).toEqual(expect.arrayContaining(['docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/login-action', 'docker/metadata-action', 'docker/build-push-action']));
    expect(step(image, (s) => s.uses?.startsWith('docker/login-action@') === true, 'login').with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
    expect(String(step(image, (s) => s.uses?.startsWith('docker/metadata-action@') === true, 'metadata').with?.['images'])).toMatch(/^ghcr\.io\//);
    expect(step(image, (s) => s.uses?.startsWith('docker/build-push-action@') === true, 'build-push').with).toMatchObject({
      context: '.',
      platforms: 'linux/amd64,linux/arm64',
      push: true,
      tags: '${{ steps.meta.outputs.tags }}',
    });
  });
});

describe('release workflow: the GitHub Action\'s tags', () => {
  const action = job('action');
  const git = (cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    bash(`git ${args.map((a) => `'${a}'`).join(' ')}`, cwd, { HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' });

  it('may push tags (contents: write) and checks the bundle runs without node_modules first', () => {
    expect(action.permissions).toEqual({ contents: 'write' });
    const runs = action.steps.map((s) => s.run ?? '');
    const check = runs.findIndex((r) => r.includes('mv node_modules') && r.includes('node dist/action/index.js'));
    const publish = runs.findIndex((r) => r.includes('git push'));
    expect(runs.indexOf('npm ci --no-audit --no-fund')).toBeGreaterThanOrEqual(0);
    expect(check).toBeGreaterThan(runs.indexOf('npm ci --no-audit --no-fund'));
    expect(publish).toBeGreaterThan(check);
  });

  it.each([
    ['1.2.0', ['action/v1.2.0', 'v1', 'v1.2']],
    ['1.3.0-rc.1', ['action/v1.3.0-rc.1']],
  ])('%s: commits dist/action and generated on top of the release and tags that commit %j', async (version, tags) => {
    const script = step(action, (s) => s.name === 'Commit the built action and tag it', 'action tags').run ?? '';
    const dir = mkdtempSync(join(tmpdir(), 'nango-gitops-release-action-'));
    scratch.push(dir);
    const origin = join(dir, 'origin.git');
    const work = join(dir, 'work');
    expect((await bash(`git init -q --bare '${origin}' && git init -q '${work}'`, dir, { HOME: dir })).code).toBe(0);
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'nango-gitops', version }));
    writeFileSync(join(work, '.gitignore'), 'dist/\ngenerated/\n');
    await git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '-A');
    await git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'release');
    await git(work, 'remote', 'add', 'origin', origin);
    const released = (await git(work, 'rev-parse', 'HEAD')).stdout.trim();
    // What `npm ci` built; a stray build output elsewhere must not be committed.
    for (const [path, text] of [['dist/action/index.js', 'entry'], ['generated/providers-catalog.json', '{}'], ['dist/cli/nango-gitops.js', 'cli']] as const) {
      mkdirSync(join(work, path, '..'), { recursive: true });
      writeFileSync(join(work, path), text);
    }

    const result = await bash(script, work, { HOME: dir, GIT_CONFIG_NOSYSTEM: '1' });
    expect(result.stderr).not.toMatch(/fatal|error/i);
    expect(result.code).toBe(0);
    const pushed = (await git(origin, 'tag', '--list')).stdout.split('\n').filter(Boolean).sort();
    expect(pushed).toEqual([...tags].sort());
    for (const tag of tags) {
      expect((await git(origin, 'rev-parse', `${tag}^{commit}^`)).stdout.trim()).toBe(released);
      const files = (await git(origin, 'ls-tree', '-r', '--name-only', tag)).stdout.split('\n').filter(Boolean).sort();
      expect(files).toEqual(['.gitignore', 'dist/action/index.js', 'generated/providers-catalog.json', 'package.json']);
    }
  });
});

describe('CHANGELOG.md', () => {
  const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');

  it('follows Keep a Changelog and has a section for the next release', () => {
    expect(changelog).toContain('[Keep a Changelog](https://keepachangelog.com/');
    const sections = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(sections[0] === 'Unreleased' || sections[0] === VERSION, `first section: ${sections[0]}`).toBe(true);
    expect(changelog).toMatch(/^### (Added|Changed|Fixed|Removed|Deprecated|Security)$/m);
  });
});

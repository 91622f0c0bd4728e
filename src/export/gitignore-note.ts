import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Written next to the config but never part of it: the fingerprint state (per machine) and reviewed plans (per run). */
const NOT_CONFIG = ['.nango-gitops/', 'plan.json'] as const;

const entry = (line: string): string => line.trim().replace(/^\//, '').replace(/\/$/, '');

/**
 * A reminder after export writes config files, unless ./.gitignore already names both. export never edits
 * .gitignore: it is the user's file, and the working directory is not always the repository's root.
 */
export async function gitignoreNote(cwd: string): Promise<string> {
  const text = await readFile(join(cwd, '.gitignore'), 'utf8').catch(() => '');
  const listed = new Set(text.split('\n').map(entry));
  const missing = NOT_CONFIG.filter((name) => !listed.has(entry(name)));
  if (missing.length === 0) return '';
  return `note: add ${missing.join(' and ')} to .gitignore: the state of applied secrets and plan files are not config\n`;
}

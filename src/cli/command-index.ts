// What top-level help lists, written at build time (scripts/build-command-index.ts) from the commands
// themselves: `nango-gitops --help` then shows every command without loading any of them (the daemon's
// modules alone are prom-client, chokidar and node-cron).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../package-root.js';

export interface CommandEntry {
  name: string;
  /** As help shows it: `plan [options]`. */
  term: string;
  description: string;
}

export function commandIndexPath(): string {
  return join(packageRoot(), 'generated', 'cli-commands.json');
}

/** What help shows for each command of a fully built program. */
export function commandIndex(program: Command): CommandEntry[] {
  const help = program.createHelp();
  return program.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), description: help.subcommandDescription(c) }));
}

const isEntry = (v: unknown): v is CommandEntry =>
  typeof v === 'object' && v !== null && ['name', 'term', 'description'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string');

/** The index, when it was built and lists exactly `names`; otherwise undefined (the caller loads every command). */
export function readCommandIndex(names: readonly string[]): CommandEntry[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(commandIndexPath(), 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every(isEntry)) return undefined;
  const listed = value.map((e) => e.name);
  return listed.length === names.length && names.every((n) => listed.includes(n)) ? value : undefined;
}

// docs/cli.md, README and the flags commander registers cannot drift apart: every command's documented
// flags (its own table, the shared table, and "All of `plan`'s flags" it inherits) must be exactly the
// registered ones, each with the same environment variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { BOOLEAN_FLAG_ENV_VARS, optionEnvVar } from '../../src/cli/options.js';
import { buildProgram } from '../../src/cli/program.js';
import { ROOT } from '../helpers/cli.js';

const CLI_MD = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Section {
  heading: string;
  lines: string[];
}

function sections(markdown: string, level: string): Section[] {
  const out: Section[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? undefined : /^(#+) (.*)$/.exec(line);
    // A heading of this level starts a section; a higher one ends it.
    if (heading && (heading[1] ?? '').length <= level.length) out.push({ heading: heading[1] === level ? (heading[2] ?? '').trim() : '', lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const cells = (row: string): string[] =>
  row
    .replace(/\\\|/g, '\u0000')
    .split('|')
    .slice(1, -1)
    .map((c) => c.replace(/\u0000/g, '|').trim());
const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');

/** Documented flag (as in `option.flags`) → its variable ('' when the table says none), from the `| flag |` tables of a section. */
function flagTable(section: Section): Map<string, string> {
  const rows = new Map<string, string>();
  let envColumn: number | undefined;
  let inTable = false;
  for (const line of section.lines) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const row = cells(line);
    if (!inTable) {
      inTable = row[0] === 'flag';
      const i = row.indexOf('env');
      envColumn = i < 0 ? undefined : i;
      continue;
    }
    if (row.every((c) => /^:?-+:?$/.test(c))) continue;
    const flag = codeSpans(row[0] ?? '')[0];
    if (flag === undefined) throw new Error(`docs/cli.md ## ${section.heading}: a flag row without a code span: ${line}`);
    // `NANGO_GITOPS_PRUNE=false` documents the value; the variable is the name.
    const variable = envColumn === undefined ? '' : (codeSpans(row[envColumn] ?? '')[0] ?? '').replace(/=.*$/, '');
    expect(rows.has(flag), `docs/cli.md ## ${section.heading}: ${flag} listed twice`).toBe(false);
    rows.set(flag, variable);
  }
  return rows;
}

function documentedFlags(commands: readonly string[]): Map<string, Map<string, string>> {
  const all = sections(CLI_MD, '##');
  const own = new Map(all.filter((s) => commands.includes(s.heading)).map((s) => [s.heading, s]));
  const result = new Map<string, Map<string, string>>();
  for (const name of commands) {
    const section = own.get(name);
    if (!section) throw new Error(`docs/cli.md has no "## ${name}" section`);
    const flags = new Map<string, string>();
    const add = (from: Map<string, string>, where: string): void => {
      for (const [flag, variable] of from) {
        expect(flags.has(flag), `${name}: ${flag} documented twice (${where})`).toBe(false);
        flags.set(flag, variable);
      }
    };
    for (const shared of all.filter((s) => s.heading.startsWith('Options shared by'))) {
      if (shared.heading.split(/[\s,]+/).includes(name)) add(flagTable(shared), shared.heading);
    }
    const inherit = section.lines.join('\n').match(/All of `([a-z]+)`'s flags(?: except ([^\n]*?))?, and:/);
    if (inherit) {
      const [, parent = '', except = ''] = inherit;
      const parentSection = own.get(parent) ?? all.find((s) => s.heading === parent);
      if (!parentSection) throw new Error(`docs/cli.md ## ${name}: inherits from unknown "${parent}"`);
      const excluded = new Set(codeSpans(except));
      add(new Map([...flagTable(parentSection)].filter(([flag]) => !excluded.has(flag.split(' ')[0] ?? ''))), `${parent}'s flags`);
    }
    add(flagTable(section), 'own table');
    result.set(name, flags);
  }
  return result;
}

const registered = (command: Command): Map<string, string> => new Map(command.options.map((o: Option) => [o.flags, optionEnvVar(o) ?? '']));

describe('docs/cli.md and the registered flags', () => {
  it('every command documents exactly its flags, each with its environment variable', async () => {
    const program = await buildProgram();
    const names = program.commands.map((c) => c.name());
    expect(names.length).toBeGreaterThanOrEqual(5);
    const documented = documentedFlags(names);
    for (const command of program.commands) {
      const doc = Object.fromEntries(documented.get(command.name()) ?? []);
      const code = Object.fromEntries(registered(command));
      expect(doc, `docs/cli.md vs ${command.name()} --help`).toEqual(code);
    }
  });

  it('every flag has an environment variable, as README and docs/cli.md say', async () => {
    const program = await buildProgram();
    for (const command of program.commands) {
      for (const option of command.options) {
        const variable = optionEnvVar(option);
        expect(variable, `${command.name()} ${option.flags}`).toMatch(/^NANGO_GITOPS_[A-Z0-9_]+$/);
      }
    }
  });

  it('the list of on/off variables is exactly those of the on/off flags', async () => {
    const program = await buildProgram();
    const strict = new Set(program.commands.flatMap((c) => c.options.filter((o) => o.envVar === undefined).map((o) => optionEnvVar(o) ?? '')));
    expect([...strict].sort()).toEqual([...new Set(BOOLEAN_FLAG_ENV_VARS)].sort());
    // docs/cli.md lists them where it explains the strict reading.
    const paragraph = sections(CLI_MD, '###').find((s) => s.heading === 'Flags from the environment')?.lines.join('\n') ?? '';
    for (const name of BOOLEAN_FLAG_ENV_VARS) expect(paragraph, name).toContain(`\`${name}`);
  });

  it('finds drift: a flag missing from the docs or with another variable fails the comparison', async () => {
    const program = await buildProgram();
    const plan = program.commands.find((c) => c.name() === 'plan');
    if (!plan) throw new Error('no plan command');
    const code = registered(plan);
    const doc = documentedFlags(['plan']).get('plan') ?? new Map<string, string>();
    expect(Object.fromEntries(doc)).toEqual(Object.fromEntries(code));
    const renamed = new Map(doc).set('--out <file>', 'NANGO_GITOPS_PLAN_OUT');
    expect(Object.fromEntries(renamed)).not.toEqual(Object.fromEntries(code));
    const fewer = new Map(doc);
    fewer.delete('--detailed-exitcode');
    expect(Object.fromEntries(fewer)).not.toEqual(Object.fromEntries(code));
  });
});

describe('README and the registered flags', () => {
  it('every flag README lists exists on the command it lists it for', async () => {
    const program = await buildProgram();
    const flagsOf = (names: readonly string[]): Set<string> =>
      new Set(program.commands.filter((c) => names.includes(c.name())).flatMap((c) => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))));
    const usage = sections(README, '##').find((s) => s.heading === 'Usage');
    if (!usage) throw new Error('README has no ## Usage');
    let checked = 0;
    for (const line of usage.lines) {
      if (!line.startsWith('| `')) continue;
      const first = cells(line)[0] ?? '';
      // The command table: `plan [-c PATH]... [--out plan.json]`; the flags table: plan, apply and daemon.
      const command = /^`([a-z]+) /.exec(first)?.[1];
      const known = command !== undefined && program.commands.some((c) => c.name() === command) ? flagsOf([command]) : flagsOf(['plan', 'apply', 'daemon']);
      for (const [flag] of first.matchAll(/(?<![\w-])--?[a-z][a-z-]*/g)) {
        expect(known, `README: ${first}`).toContain(flag);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('every NANGO_GITOPS_* variable README names is one the CLI reads', async () => {
    const program = await buildProgram();
    const variables = new Set(program.commands.flatMap((c) => c.options.map((o) => optionEnvVar(o) ?? '')));
    const named = new Set([...README.matchAll(/NANGO_GITOPS_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0]));
    expect(named.size).toBeGreaterThan(0);
    for (const name of named) expect(variables, `README names ${name}`).toContain(name);
  });
});

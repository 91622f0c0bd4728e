// The list of variables an exported config needs, never with values.
import type { BlockVariable, ExportedEnvironments, ExportVariable } from './documents.js';

const HEADER = [
  '# Variables the config written by `nango-gitops export` needs. No value is written here: set each one',
  '# in the environment, as NAME_FILE (a mounted secret file), or in an --env-file kept out of git.',
];

const describe = (v: ExportVariable): string => `${v.unique_key}: ${v.path}`;
const describeBlock = (v: BlockVariable): string => `environment ${v.environment}: ${v.field}${v.field === 'secret_key' ? ' (secret)' : v.optional ? ' (optional: it has a default)' : ''}`;

interface Group {
  /** The environments that read every variable of the group. */
  environments: string[];
  block: BlockVariable[];
  variables: ExportVariable[];
}

/**
 * Each variable once (a dotenv file read twice takes the later, empty, assignment), grouped by the
 * environments that read it: those all of them read first, then each environment's own, then the rest.
 */
function groups(variables: readonly ExportVariable[], environments: ExportedEnvironments): Group[] {
  const { names } = environments;
  const id = (list: readonly string[]): string => [...list].sort((a, b) => names.indexOf(a) - names.indexOf(b)).join(',');
  const out = new Map<string, Group>();
  const group = (list: readonly string[]): Group => {
    const key = id(list);
    const found = out.get(key) ?? { environments: key === '' ? [] : key.split(','), block: [], variables: [] };
    out.set(key, found);
    return found;
  };
  group(names);
  for (const name of names) group([name]);
  for (const v of environments.variables) group([v.environment]).block.push(v);
  for (const v of variables) group(v.environments ?? names).variables.push(v);
  return [...out.values()].filter((g) => g.block.length > 0 || g.variables.length > 0);
}

function heading(g: Group, all: readonly string[]): string {
  if (g.environments.length === all.length && all.length > 1) return `every environment (${g.environments.join(', ')})`;
  if (g.environments.length === 1) return `environment ${g.environments[0] ?? ''}${all.length > 1 ? ' only' : ''}`;
  return `environments ${g.environments.join(', ')}`;
}

/** A dotenv file of empty assignments, one comment per variable saying which field it fills. */
export function renderEnvExample(variables: readonly ExportVariable[], environments?: ExportedEnvironments): string {
  const lines = [...HEADER];
  const assign = (comment: string, name: string): void => {
    lines.push('', `# ${comment}`, `${name}=`);
  };
  if (!environments) {
    for (const v of variables) assign(`${describe(v)}${v.secret ? ' (secret)' : ' (could not be read)'}`, v.name);
    return `${lines.join('\n')}\n`;
  }
  for (const g of groups(variables, environments)) {
    lines.push('', `# ---- read by ${heading(g, environments.names)} ----`);
    for (const v of g.block) assign(describeBlock(v), v.name);
    for (const v of g.variables) assign(`${describe(v)}${v.secret ? ' (secret)' : ' (could not be read)'}`, v.name);
  }
  return `${lines.join('\n')}\n`;
}

/** The same list for a terminal: name, then what it fills (and, with environments, which read it). */
export function renderVariableList(variables: readonly ExportVariable[], environments?: ExportedEnvironments): string {
  const rows: Array<[string, string]> = [];
  for (const v of environments?.variables ?? []) rows.push([v.name, describeBlock(v)]);
  const where = (v: ExportVariable): string => (environments && v.environments && v.environments.length < environments.names.length ? ` (${v.environments.join(', ')})` : '');
  for (const v of variables) rows.push([v.name, `${describe(v)}${v.secret ? '' : ' (could not be read)'}${where(v)}`]);
  if (rows.length === 0) return 'The exported config needs no variables.\n';
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`);
  return `The exported config needs ${rows.length === 1 ? 'this variable' : `these ${rows.length} variables`} (values not shown):\n${lines.join('\n')}\n`;
}

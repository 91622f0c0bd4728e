// The list of variables an exported config needs, never with values.
import type { ExportVariable } from './documents.js';

const HEADER = [
  '# Variables the config written by `nango-gitops export` needs. No value is written here: set each one',
  '# in the environment, as NAME_FILE (a mounted secret file), or in an --env-file kept out of git.',
];

/** A dotenv file of empty assignments, one comment per variable saying which field it fills. */
export function renderEnvExample(variables: readonly ExportVariable[]): string {
  const lines = [...HEADER];
  for (const v of variables) {
    lines.push('', `# ${v.unique_key}: ${v.path}${v.secret ? ' (secret)' : ' (could not be read)'}`, `${v.name}=`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same list for a terminal: name, then what it fills. */
export function renderVariableList(variables: readonly ExportVariable[]): string {
  if (variables.length === 0) return 'The exported config needs no variables.\n';
  const width = Math.max(...variables.map((v) => v.name.length));
  const rows = variables.map((v) => `  ${v.name.padEnd(width)}  ${v.unique_key}: ${v.path}${v.secret ? '' : ' (could not be read)'}`);
  return `The exported config needs ${variables.length === 1 ? 'this variable' : `these ${variables.length} variables`} (values not shown):\n${rows.join('\n')}\n`;
}

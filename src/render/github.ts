import type { Diagnostic } from '../config/types.js';
import { escapeControls, showKey } from '../escape.js';
import type { Plan } from '../plan/types.js';
import { plain, type Paint } from './color.js';
import { renderPlanText } from './text.js';

/** Workflow commands: GitHub shows them as annotations on the pull request's diff lines. */
export function renderDiagnosticsGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const kind = d.severity === 'error' ? 'error' : 'warning';
      const props: string[] = [];
      if (d.location) props.push(`file=${escapeProperty(d.location.file)}`, `line=${d.location.line}`, `col=${d.location.column}`);
      props.push(`title=${escapeProperty(d.envVar ? `env ${d.envVar}` : (d.path ?? 'nango-gitops'))}`);
      return `::${kind} ${props.join(',')}::${escapeData(d.message)}\n`;
    })
    .join('');
}

/** `environment`: the name of the environment the plan is for, added to each annotation's title. */
export function renderPlanGithub(plan: Plan, environment?: string, paint: Paint = plain): string {
  const where = environment === undefined ? '' : ` (environment ${environment})`;
  const blocked = plan.changes
    .filter((c) => c.blocked !== undefined)
    .map((c) => `::error title=${escapeProperty(`blocked: ${c.action} ${showKey(c.unique_key)}${where}`)}::${escapeData(c.blocked ?? '')}\n`);
  return renderPlanText(plan, paint) + blocked.join('');
}

/** One workflow-command annotation that is not about a file position. */
export function renderAnnotationGithub(kind: 'error' | 'warning', title: string, message: string): string {
  return `::${kind} title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

/**
 * GitHub's workflow-command escaping, so no value can end the command or start another one. Controls are
 * shown escaped first (as in text output): a message is one line, and no raw CR or LF is left to encode.
 */
function escapeData(text: string): string {
  return escapeControls(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

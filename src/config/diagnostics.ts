import { escapeControls } from '../escape.js';
import type { Diagnostic, SourceLocation } from './types.js';

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * `nango/slack.yaml:7:7: credentials.client_secret: message`, or `env NAME: message` without a position.
 * Messages quote config values and keys, which may hold any character: a newline would let a value
 * forge a second diagnostic line, an ANSI escape would drive the terminal. They are shown escaped.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  const parts: string[] = [];
  if (d.location) parts.push(formatLocation(d.location));
  else if (d.envVar) parts.push(`env ${d.envVar}`);
  if (d.path) parts.push(d.path);
  parts.push(d.message);
  return escapeControls(prefix + parts.join(': '));
}

export function formatLocation(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

export function error(message: string, extra: Omit<Diagnostic, 'severity' | 'message'> = {}): Diagnostic {
  return { severity: 'error', message, ...extra };
}

export function warning(message: string, extra: Omit<Diagnostic, 'severity' | 'message'> = {}): Diagnostic {
  return { severity: 'warning', message, ...extra };
}

/** File order first (the order files were read), then line and column; unlocated ones first. */
export function sortDiagnostics(diagnostics: Diagnostic[], fileOrder: readonly string[]): Diagnostic[] {
  const rank = new Map(fileOrder.map((f, i) => [f, i]));
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const la = a.d.location;
      const lb = b.d.location;
      if (!la || !lb) return (la ? 1 : 0) - (lb ? 1 : 0) || a.i - b.i;
      const fa = rank.get(la.file) ?? Number.MAX_SAFE_INTEGER;
      const fb = rank.get(lb.file) ?? Number.MAX_SAFE_INTEGER;
      return fa - fb || la.line - lb.line || la.column - lb.column || a.i - b.i;
    })
    .map(({ d }) => d);
}

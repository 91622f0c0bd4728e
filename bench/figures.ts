// One measured figure against its bound. Benchmarks report; they never gate (run.ts exits 0 on MISS).

export type Verdict = 'PASS' | 'MISS' | 'INFO';

export interface Figure {
  benchmark: string;
  name: string;
  value: number;
  unit: string;
  /** The bound the value is compared with (a lower bound, or a target); undefined when there is none. */
  bound?: number;
  /** PASS when value / bound is at most this ratio. */
  maxRatio?: number;
}

export function ratioOf(figure: Figure): number | undefined {
  if (figure.bound === undefined || figure.bound === 0) return undefined;
  return figure.value / figure.bound;
}

export function verdictOf(figure: Figure): Verdict {
  const ratio = ratioOf(figure);
  if (ratio === undefined || figure.maxRatio === undefined) return 'INFO';
  // Rounding noise must not flip an exact match (1001 requests vs a bound of 1001) to MISS.
  return ratio <= figure.maxRatio + 1e-9 ? 'PASS' : 'MISS';
}

export function formatValue(value: number, unit: string): string {
  const digits = unit === 'req' ? 0 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export interface Row {
  name: string;
  value: string;
  bound: string;
  ratio: string;
  verdict: Verdict;
}

export function toRow(figure: Figure): Row {
  const ratio = ratioOf(figure);
  const target = figure.maxRatio === undefined ? '' : ` (≤ ${figure.maxRatio}×)`;
  return {
    name: figure.name,
    value: formatValue(figure.value, figure.unit),
    bound: figure.bound === undefined ? '-' : `${formatValue(figure.bound, figure.unit)}${target}`,
    ratio: ratio === undefined ? '-' : `${ratio.toFixed(2)}×`,
    verdict: verdictOf(figure),
  };
}

/** Columns padded to the widest cell, two spaces apart. */
export function formatTable(rows: Row[], header = true): string {
  const cells = rows.map((r) => [r.name, r.value, r.bound, r.ratio, r.verdict]);
  if (header) cells.unshift(['figure', 'value', 'bound', 'ratio', 'verdict']);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...cells.map((row) => row[c]!.length)));
  return cells
    .map((row) => row.map((cell, c) => (c === 1 || c === 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

/** The same rows as a Markdown table, for docs/benchmarks.md. */
export function formatMarkdown(rows: Row[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const lines = ['| figure | value | bound | ratio | verdict |', '|---|---:|---:|---:|---|'];
  for (const r of rows) lines.push(`| ${[r.name, r.value, r.bound, r.ratio, r.verdict].map(escape).join(' | ')} |`);
  return lines.join('\n');
}

/** Collects figures and prints each one as it is measured. */
export class Reporter {
  readonly figures: Figure[] = [];
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  record(figure: Figure): Figure {
    this.figures.push(figure);
    this.write(formatTable([toRow(figure)], false));
    return figure;
  }

  note(text: string): void {
    this.write(`  # ${text}`);
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

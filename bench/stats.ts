/**
 * The bench's arithmetic: medians over repeated runs, percentiles of samples,
 * and the table it prints. Pure, so bench/stats.unit.spec.ts can pin it down.
 */

/** The middle value (mean of the two middle ones for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of raw samples; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)];
}

/** a / b, NaN when either is missing or b is 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** A figure as the table shows it: '–' when missing, thousands grouped, at most `digits` decimals. */
export function formatFigure(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : digits });
}

export interface TargetCheck {
  /** What is compared: 'min' means the figure must be at least `value`, 'max' at most. */
  readonly kind: 'min' | 'max';
  readonly value: number;
}

/** 'met', 'missed', or '' when there is no target or no figure. */
export function verdict(value: number | undefined, target: TargetCheck | undefined): '' | 'met' | 'missed' {
  if (!target || value === undefined || !Number.isFinite(value)) return '';
  return (target.kind === 'min' ? value >= target.value : value <= target.value) ? 'met' : 'missed';
}

export interface TableRow {
  readonly figure: string;
  readonly unit: string;
  /** One value per backend column, in the order of `columns`. */
  readonly values: readonly (number | undefined)[];
  /** Checked against the first column (the embedded default). */
  readonly target?: TargetCheck;
}

/** A plain-text table: figure, unit, one column per backend, the target and whether the first column meets it. */
export function formatTable(columns: readonly string[], rows: readonly TableRow[]): string {
  const header = ['figure', 'unit', ...columns, 'target', ''];
  const body = rows.map((row) => [
    row.figure,
    row.unit,
    ...columns.map((_, i) => formatFigure(row.values[i], row.unit === 'ratio' ? 2 : 1)),
    row.target ? `${row.target.kind === 'min' ? '≥' : '<'} ${formatFigure(row.target.value, 2)}` : '',
    verdict(row.values[0], row.target),
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((line) => line[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

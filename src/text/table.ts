/** A column of a plain-text table: its header, how to show a row's cell, and which side it aligns to. */
export interface Column<R> {
  header: string;
  cell: (row: R) => string;
  align?: 'left' | 'right';
}

/** Renders rows as an aligned text table (header, rule, rows), numbers right-aligned by default. */
export function renderTable<R>(columns: Column<R>[], rows: R[]): string {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => ((columns[i].align ?? 'right') === 'left' ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
  ].join('\n');
}

/** A number with fixed decimals, or a dash for a value not measured (yet). */
export const fixed = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

/** Mean with its standard deviation, `0.512 ± 0.031`; the mean alone where there is no spread (one seed). */
export function meanStd(mean: number | null | undefined, std: number | null | undefined, digits = 3): string {
  if (mean === null || mean === undefined) return '-';
  if (std === null || std === undefined) return mean.toFixed(digits);
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

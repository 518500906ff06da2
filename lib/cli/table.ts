/** A column of a human-readable table; numbers are right-aligned. */
export interface Column<T> {
  header: string;
  value(row: T): string;
  numeric?: boolean;
}

/** Plain aligned columns, no borders, so the output also greps and cuts well. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index]!.length)));
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => (columns[index]!.numeric ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [render(columns.map((column) => column.header.toUpperCase())), ...cells.map(render)].join('\n') + '\n';
}

/** Label: value lines, labels aligned. */
export function renderRecord(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`.trimEnd()).join('\n') + '\n';
}

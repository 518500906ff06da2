import { reportColumns } from './columns';
import { formatCsv } from './csv';
import type { Report } from './types';

/** The report's lines as CSV (no totals row: a spreadsheet sums them itself). */
export function reportToCsv(report: Report): string {
  const columns = reportColumns(report);
  return formatCsv([columns.map((column) => column.header), ...report.lines.map((line) => columns.map((column) => column.value(line)))]);
}

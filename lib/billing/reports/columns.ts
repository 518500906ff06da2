import { formatAmount, minorUnits } from '../../domain/money';
import type { Dimension, Report, ReportLine } from './types';

/** One column of a report as text: the CSV export and the CLI table show the same columns. */
export interface ReportColumn {
  header: string;
  /** Numbers are right-aligned in tables. */
  numeric: boolean;
  value(line: ReportLine): string;
}

const DIMENSION_COLUMNS: { readonly [D in Dimension]: readonly ReportColumn[] } = {
  account: [
    { header: 'account_id', numeric: true, value: (line) => (line.account?.id === null || line.account === undefined ? '' : String(line.account.id)) },
    { header: 'account', numeric: false, value: (line) => line.account?.name ?? '' },
  ],
  destination: [{ header: 'destination', numeric: false, value: (line) => line.destination ?? '' }],
  period: [{ header: 'period', numeric: false, value: (line) => line.period ?? '' }],
  carrier: [{ header: 'carrier', numeric: false, value: (line) => line.carrier ?? '' }],
};

const FIGURE_COLUMNS: readonly ReportColumn[] = [
  { header: 'currency', numeric: false, value: (line) => line.currency ?? '' },
  { header: 'calls', numeric: true, value: (line) => String(line.calls) },
  { header: 'answered', numeric: true, value: (line) => String(line.answered) },
  { header: 'asr_percent', numeric: true, value: (line) => (line.asr * 100).toFixed(2) },
  { header: 'acd_seconds', numeric: true, value: (line) => (line.acdSeconds === null ? '' : line.acdSeconds.toFixed(1)) },
  { header: 'billsec', numeric: true, value: (line) => String(line.billsec) },
  { header: 'minutes', numeric: true, value: (line) => line.minutes.toFixed(2) },
  { header: 'revenue', numeric: true, value: (line) => formatAmount(minorUnits(line.revenueMinor)) },
  { header: 'cost', numeric: true, value: (line) => formatAmount(minorUnits(line.costMinor)) },
  { header: 'margin', numeric: true, value: (line) => formatAmount(minorUnits(line.marginMinor)) },
  { header: 'uncosted', numeric: true, value: (line) => String(line.uncosted) },
];

export function reportColumns(report: Pick<Report, 'grouping'>): ReportColumn[] {
  return [...report.grouping.by.flatMap((dimension) => DIMENSION_COLUMNS[dimension]), ...FIGURE_COLUMNS];
}

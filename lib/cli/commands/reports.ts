import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  buildReport,
  DIMENSIONS,
  InvalidReportRequest,
  parseReportRequest,
  reportColumns,
  reportToCsv,
  type Grouping,
  type ReportLine,
  type ReportRequestInput,
} from '../../billing/reports';
import type { CliContext } from '../context';
import { CliError, EXIT } from '../errors';
import { findAccount } from '../lookup';
import { renderTable, type Column } from '../table';

/** How the shared request fields are spelled on this command line. */
const OPTION_OF: Record<string, string> = {
  by: '--by',
  period: '--period',
  timeZone: '--time-zone',
  from: '--from',
  to: '--to',
  accountId: '--account',
  digits: '--digits',
};

interface ReportOptions {
  by?: string;
  period?: string;
  timeZone?: string;
  from?: string;
  to?: string;
  account?: string;
  digits?: string;
  csv?: boolean;
  output?: string;
}

export function registerReports(program: Command, ctx: CliContext): void {
  program
    .command('reports')
    .description('call statistics: calls, answered, ASR, ACD, minutes, revenue, carrier cost and margin by account, destination, period and carrier')
    .option('--by <dimensions>', `comma-separated: ${DIMENSIONS.join(', ')} ("" for totals only)`, 'account')
    .option('--period <unit>', 'hour, day or month (with --by period)', 'day')
    .option('--time-zone <zone>', 'zone in which days and months begin, and --from/--to are read', 'UTC')
    .option('--from <date>', 'first day, e.g. 2026-03-01 (or 2026-03, or 2026-03-01T08:00)')
    .option('--to <date>', 'end, exclusive: --from 2026-03-01 --to 2026-04-01 is March')
    .option('--account <account>', 'only this account (id or name)')
    .option('--digits <n>', 'destination = the first n digits of the number (default: the rate prefix the leg was charged at)')
    .option('--csv', 'CSV instead of a table')
    .option('--output <file>', 'write the CSV to a file')
    .addHelpText(
      'after',
      '\nEvery call leg is counted (a callback has two). Revenue is what accounts were charged; the\nstore keeps no carrier cost per leg, so there is no cost or margin column.',
    )
    .action(async (options: ReportOptions) => {
      const store = await ctx.store();
      const input: ReportRequestInput = { by: options.by, period: options.period, timeZone: options.timeZone, from: options.from, to: options.to, digits: options.digits };
      if (options.account !== undefined) input.accountId = (await findAccount(store, options.account)).id;
      const request = parse(input);
      const report = await buildReport(store.db, request.grouping, request.filter);
      if (options.output !== undefined) {
        await fs.writeFile(path.resolve(ctx.io.cwd, options.output), reportToCsv(report));
        return ctx.out.done(`${report.lines.length} line(s) written to ${options.output}`, { file: options.output, lines: report.lines.length });
      }
      if (options.csv) return ctx.out.raw(reportToCsv(report));
      ctx.out.either(report, () =>
        report.lines.length === 0
          ? '(no calls in this period)\n'
          : `${renderTable(report.lines, tableColumns(report.grouping))}\ntotal:\n${renderTable(report.totals, tableColumns({ ...report.grouping, by: [] }))}`,
      );
    });
}

/** The export's columns, for people: spaced headers, and a dash where the CSV leaves a cell empty. */
function tableColumns(grouping: Grouping): Column<ReportLine>[] {
  return reportColumns({ grouping }).map((column) => ({ ...column, header: column.header.replace(/_/g, ' '), value: (line) => column.value(line) || '-' }));
}

function parse(input: ReportRequestInput) {
  try {
    return parseReportRequest(input);
  } catch (error) {
    if (error instanceof InvalidReportRequest) {
      throw new CliError(EXIT.refused, 'invalid', error.issues.map((issue) => `${OPTION_OF[issue.field] ?? issue.field}: ${issue.message}`).join('\n'));
    }
    throw error;
  }
}

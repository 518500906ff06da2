import type { Knex } from 'knex';
import { ReportAccumulator } from './aggregate';
import { reportCdrPages } from './query';
import type { CdrFilter, Grouping, Report } from './types';

/** Runs a report over the CDRs the filter selects. */
export async function buildReport(db: Knex, grouping: Grouping, filter: CdrFilter = {}): Promise<Report> {
  const accumulator = new ReportAccumulator(grouping);
  for await (const page of reportCdrPages(db, filter)) {
    for (const cdr of page) accumulator.add(cdr);
  }
  return { grouping, filter, lines: accumulator.lines(), totals: accumulator.totalLines() };
}

import { buildReport, parseReportRequest, reportCdrPages, type ReportCdr } from '../../lib/billing/reports';
import { describeEachDatabase } from '../support/databases';
import { LEGS, sums } from './fixtures';
import { seedLegs } from './seed';

describeEachDatabase('report query', (getDb) => {
  let accountIds: Map<number, number>;
  beforeAll(async () => {
    accountIds = await seedLegs(getDb());
  });

  it('pages through every CDR in (started_at, id) order, including legs that start at the same instant', async () => {
    const seen: ReportCdr[] = [];
    for await (const page of reportCdrPages(getDb(), {}, 2)) {
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
    }
    expect(seen.map((cdr) => cdr.number)).toEqual(
      [...LEGS].sort((a, b) => a.startedAt - b.startedAt || LEGS.indexOf(a) - LEGS.indexOf(b)).map((cdr) => cdr.number),
    );
    const alpha = seen.find((cdr) => cdr.number === '+4930111');
    expect(alpha).toMatchObject({ accountName: 'Alpha', currency: 'USD', ratePrefix: '49', billsec: 120, costMinor: 30 });
  });

  it('reports by account over the whole table', async () => {
    const request = parseReportRequest({ by: 'account' });
    const report = await buildReport(getDb(), request.grouping, request.filter);
    expect(report.lines.map((line) => [line.account?.name ?? '-', ...sums(line)])).toEqual([
      ['Alpha', 4, 3, 225, 50],
      ['Beta', 2, 1, 30, 5],
      ['-', 1, 1, 10, 0],
    ]);
  });

  it('filters by a period read in the report time zone (to is exclusive) and by account', async () => {
    // Berlin 2026-03-02 00:00 is 2026-03-01T23:00Z; Berlin 2026-04-01 00:00 is 2026-03-31T22:00Z (summer time).
    const month = parseReportRequest({ by: '', from: '2026-03-02', to: '2026-04-01', timeZone: 'Europe/Berlin' });
    expect(month.filter).toEqual({ from: Date.parse('2026-03-01T23:00:00Z'), to: Date.parse('2026-03-31T22:00:00Z') });
    const all = await buildReport(getDb(), month.grouping, month.filter);
    // legs 2, 3, 6 and 7
    expect(all.lines.map((line) => [line.currency ?? '-', ...sums(line)])).toEqual([
      ['EUR', 1, 0, 0, 0],
      ['USD', 2, 1, 45, 12],
      ['-', 1, 1, 10, 0],
    ]);
    const alphaOnly = parseReportRequest({ by: 'account', from: '2026-03-02', to: '2026-04-01', timeZone: 'Europe/Berlin', accountId: accountIds.get(1)! });
    const alpha = await buildReport(getDb(), alphaOnly.grouping, alphaOnly.filter);
    expect(alpha.lines.map((line) => [line.account?.name, ...sums(line)])).toEqual([['Alpha', 2, 1, 45, 12]]);
  });
});

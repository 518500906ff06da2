import { InvalidReportRequest, parseReportRequest } from '../../lib/billing/reports';

function issuesOf(input: Parameters<typeof parseReportRequest>[0]): unknown {
  try {
    parseReportRequest(input);
  } catch (error) {
    if (error instanceof InvalidReportRequest) return error.issues;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('report requests', () => {
  it('defaults to a daily report by account in UTC over everything', () => {
    expect(parseReportRequest({})).toEqual({
      grouping: { by: ['account'], period: 'day', timeZone: 'UTC', destinationDigits: null },
      filter: {},
    });
  });

  it('reads dimensions, digits and account ids from strings', () => {
    expect(parseReportRequest({ by: 'destination, period', period: 'month', digits: '3', accountId: '7' })).toEqual({
      grouping: { by: ['destination', 'period'], period: 'month', timeZone: 'UTC', destinationDigits: 3 },
      filter: { accountId: 7 },
    });
    expect(parseReportRequest({ by: '' }).grouping.by).toEqual([]);
  });

  it('names the field of every problem', () => {
    expect(issuesOf({ by: 'account,country', period: 'week', timeZone: 'Mars/Olympus', from: '31.01.2026', digits: '0' })).toEqual([
      { field: 'by', message: 'unknown dimension country; expected any of account, destination, period, carrier' },
      { field: 'period', message: 'expected one of hour, day, month' },
      { field: 'timeZone', message: 'expected an IANA time zone such as Europe/Berlin' },
      { field: 'from', message: expect.stringContaining('expected a date such as 2026-01-31') },
      { field: 'digits', message: expect.stringContaining('>=1') },
    ]);
    expect(issuesOf({ from: '2026-02-30' })).toEqual([{ field: 'from', message: expect.stringContaining('2026-02-30 is not a date') }]);
    expect(issuesOf({ from: '2026-03-01', to: '2026-03-01' })).toEqual([{ field: 'to', message: 'must be later than from' }]);
  });
});

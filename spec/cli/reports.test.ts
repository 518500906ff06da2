import { parseCsv, type Report } from '../../lib/billing/reports';
import { seedLegs } from '../reports/seed';
import { cli, cliJson, describeEachCliDatabase } from './support';

describeEachCliDatabase('CLI reports', (target) => {
  let alphaId: number;
  beforeAll(async () => {
    alphaId = (await seedLegs(target().db)).get(1)!;
  });

  it('prints figures by account with totals per currency (the hand-computed fixture of spec/reports)', async () => {
    const result = await cli(target(), ['reports']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'ACCOUNT ID  ACCOUNT  CURRENCY  CALLS  ANSWERED  ASR PERCENT  ACD SECONDS  BILLSEC  MINUTES  REVENUE',
      `${String(alphaId).padStart(10)}  Alpha    USD           4         3        75.00         75.0      225     3.75     0.50`,
      `${String(alphaId + 1).padStart(10)}  Beta     EUR           2         1        50.00         30.0       30     0.50     0.05`,
      '         -  -        -             1         1       100.00         10.0       10     0.17     0.00',
      '',
      'total:',
      'CURRENCY  CALLS  ANSWERED  ASR PERCENT  ACD SECONDS  BILLSEC  MINUTES  REVENUE',
      'EUR           2         1        50.00         30.0       30     0.50     0.05',
      'USD           4         3        75.00         75.0      225     3.75     0.50',
      '-             1         1       100.00         10.0       10     0.17     0.00',
      '',
    ]);
  });

  it('groups by destination and month in a time zone, for one account, as JSON', async () => {
    const report = await cliJson<Report>(target(), ['reports', '--by', 'destination,period', '--period', 'month', '--time-zone', 'Europe/Berlin', '--account', 'Alpha']);
    expect(report.lines.map((line) => [line.destination, line.period, line.calls, line.answered, line.billsec, line.revenueMinor])).toEqual([
      ['1', '2026-04', 1, 1, 60, 8],
      ['44', '2026-03', 1, 0, 0, 0],
      ['49', '2026-03', 2, 2, 165, 42],
    ]);
    expect(report.filter).toEqual({ accountId: alphaId });
  });

  it('exports CSV for a period, to stdout or a file', async () => {
    const csv = await cli(target(), ['reports', '--by', 'period', '--from', '2026-03-02', '--to', '2026-04-01', '--time-zone', 'Europe/Berlin', '--csv']);
    expect(csv.code).toBe(0);
    expect(parseCsv(csv.stdout).map((record) => record.fields.slice(0, 4))).toEqual([
      ['period', 'currency', 'calls', 'answered'],
      ['2026-03-02', 'USD', '2', '1'],
      ['2026-03-03', '', '1', '1'],
      ['2026-03-15', 'EUR', '1', '0'],
    ]);
    expect((await cli(target(), ['reports', '--output', 'report.csv'])).stdout).toBe('3 line(s) written to report.csv\n');
  });

  it('names the option of a bad value', async () => {
    const result = await cli(target(), ['reports', '--by', 'planet', '--time-zone', 'Mars/Base', '--digits', '0']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: --by: unknown dimension planet; expected any of account, destination, period\n--time-zone: expected an IANA time zone such as Europe/Berlin\n--digits: Too small: expected number to be >=1\n',
    });
    expect((await cli(target(), ['reports', '--account', 'Nobody'])).code).toBe(3);
    expect((await cli(target(), ['reports', '--from', '2030-01-01'])).stdout).toBe('(no calls in this period)\n');
  });
});

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
      'ACCOUNT ID  ACCOUNT  CURRENCY  CALLS  ANSWERED  ASR PERCENT  ACD SECONDS  BILLSEC  MINUTES  REVENUE  COST  MARGIN  UNCOSTED',
      `${String(alphaId).padStart(10)}  Alpha    USD           4         3        75.00         75.0      225     3.75     0.50  0.25    0.25         1`,
      `${String(alphaId + 1).padStart(10)}  Beta     EUR           2         1        50.00         30.0       30     0.50     0.05  0.00    0.05         1`,
      '         -  -        -             1         1       100.00         10.0       10     0.17     0.00  0.00    0.00         1',
      '',
      'total:',
      'CURRENCY  CALLS  ANSWERED  ASR PERCENT  ACD SECONDS  BILLSEC  MINUTES  REVENUE  COST  MARGIN  UNCOSTED',
      'EUR           2         1        50.00         30.0       30     0.50     0.05  0.00    0.05         1',
      'USD           4         3        75.00         75.0      225     3.75     0.50  0.25    0.25         1',
      '-             1         1       100.00         10.0       10     0.17     0.00  0.00    0.00         1',
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

  it('groups by carrier with cost and margin, as JSON and CSV (issue #17)', async () => {
    const report = await cliJson<Report>(target(), ['reports', '--by', 'carrier', '--account', 'Alpha']);
    expect(report.lines.map((line) => [line.carrier, line.currency, line.calls, line.answered, line.revenueMinor, line.costMinor, line.marginMinor, line.uncosted])).toEqual([
      ['acme', 'USD', 2, 2, 42, 25, 17, 0],
      ['zeta', 'USD', 1, 0, 0, 0, 0, 0],
      [null, 'USD', 1, 1, 8, 0, 8, 1],
    ]);
    const csv = await cli(target(), ['reports', '--by', 'carrier', '--account', 'Alpha', '--csv']);
    expect(parseCsv(csv.stdout).map((record) => record.fields)).toEqual([
      ['carrier', 'currency', 'calls', 'answered', 'asr_percent', 'acd_seconds', 'billsec', 'minutes', 'revenue', 'cost', 'margin', 'uncosted'],
      ['acme', 'USD', '2', '2', '100.00', '82.5', '165', '2.75', '0.42', '0.25', '0.17', '0'],
      ['zeta', 'USD', '1', '0', '0.00', '', '0', '0.00', '0.00', '0.00', '0.00', '0'],
      ['', 'USD', '1', '1', '100.00', '60.0', '60', '1.00', '0.08', '0.00', '0.08', '1'],
    ]);
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
        'error: --by: unknown dimension planet; expected any of account, destination, period, carrier\n--time-zone: expected an IANA time zone such as Europe/Berlin\n--digits: Too small: expected number to be >=1\n',
    });
    expect((await cli(target(), ['reports', '--account', 'Nobody'])).code).toBe(3);
    expect((await cli(target(), ['reports', '--from', '2030-01-01'])).stdout).toBe('(no calls in this period)\n');
  });
});

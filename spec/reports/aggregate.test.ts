import { aggregate, type Grouping, type ReportLine } from '../../lib/billing/reports';
import { ALPHA, BETA, LEGS, margins, sums } from './fixtures';

const grouping = (overrides: Partial<Grouping>): Grouping => ({ by: [], period: 'day', timeZone: 'UTC', destinationDigits: null, ...overrides });

/** Lines as [key, calls, answered, billsec, revenue] rows, easy to compare with the hand computation. */
function table(lines: ReportLine[], key: (line: ReportLine) => string): [string, number, number, number, number][] {
  return lines.map((line) => [key(line), ...sums(line)]);
}

describe('report aggregation (figures computed by hand)', () => {
  it('by account: calls, answered, ASR, ACD, minutes and revenue', () => {
    const { lines } = aggregate(LEGS, grouping({ by: ['account'] }));
    expect(table(lines, (line) => `${line.account?.name ?? '-'} ${line.currency ?? '-'}`)).toEqual([
      // A: legs 1-4; answered 1, 2, 4; billsec 120 + 45 + 60; revenue 30 + 12 + 8
      ['Alpha USD', 4, 3, 225, 50],
      // B: legs 5, 6; only 5 answered
      ['Beta EUR', 2, 1, 30, 5],
      // leg 7: nobody paid
      ['- -', 1, 1, 10, 0],
    ]);
    const [alpha, beta, unknown] = lines as [ReportLine, ReportLine, ReportLine];
    expect(alpha.account).toEqual({ id: ALPHA.id, name: ALPHA.name });
    expect(alpha.asr).toBe(0.75); // 3 / 4
    expect(alpha.acdSeconds).toBe(75); // 225 / 3
    expect(alpha.minutes).toBe(3.75); // 225 / 60
    expect(beta.account).toEqual({ id: BETA.id, name: BETA.name });
    expect(beta.asr).toBe(0.5);
    expect(beta.acdSeconds).toBe(30);
    expect(beta.minutes).toBe(0.5);
    expect(unknown.account).toEqual({ id: null, name: null });
    expect(unknown.asr).toBe(1);
    expect(unknown.minutes).toBeCloseTo(10 / 60, 12);
  });

  it('by rate prefix: money of different currencies stays apart, unanswered destinations have no ACD', () => {
    const { lines } = aggregate(LEGS, grouping({ by: ['destination'] }));
    expect(table(lines, (line) => `${line.destination ?? ''} ${line.currency ?? '-'}`)).toEqual([
      ['1 USD', 1, 1, 60, 8],
      ['44 USD', 1, 0, 0, 0],
      ['49 EUR', 2, 1, 30, 5],
      ['49 USD', 2, 2, 165, 42],
      ['unrated -', 1, 1, 10, 0],
    ]);
    const uk = lines[1]!;
    expect(uk.asr).toBe(0);
    expect(uk.acdSeconds).toBeNull();
    expect(lines[3]!.acdSeconds).toBe(82.5); // (120 + 45) / 2
  });

  it('by the first N digits of the number instead of the rate prefix', () => {
    const { lines } = aggregate(LEGS, grouping({ by: ['destination'], destinationDigits: 4 }));
    expect(table(lines, (line) => `${line.destination ?? ''} ${line.currency ?? '-'}`)).toEqual([
      ['1555 USD', 1, 1, 60, 8],
      ['4412 USD', 1, 0, 0, 0],
      ['4930 EUR', 1, 1, 30, 5],
      ['4930 USD', 2, 2, 165, 42],
      ['4930 -', 1, 1, 10, 0],
      ['4989 EUR', 1, 0, 0, 0],
    ]);
  });

  it('by day in UTC and in Europe/Berlin: leg 2 changes day', () => {
    const utc = aggregate(LEGS, grouping({ by: ['period'], period: 'day', timeZone: 'UTC' })).lines;
    expect(table(utc, (line) => `${line.period ?? ''} ${line.currency ?? '-'}`)).toEqual([
      ['2026-03-01 EUR', 1, 1, 30, 5],
      ['2026-03-01 USD', 2, 2, 165, 42],
      ['2026-03-02 USD', 1, 0, 0, 0],
      ['2026-03-03 -', 1, 1, 10, 0],
      ['2026-03-15 EUR', 1, 0, 0, 0],
      ['2026-04-01 USD', 1, 1, 60, 8],
    ]);
    const berlin = aggregate(LEGS, grouping({ by: ['period'], period: 'day', timeZone: 'Europe/Berlin' })).lines;
    expect(table(berlin, (line) => `${line.period ?? ''} ${line.currency ?? '-'}`)).toEqual([
      ['2026-03-01 EUR', 1, 1, 30, 5],
      ['2026-03-01 USD', 1, 1, 120, 30],
      ['2026-03-02 USD', 2, 1, 45, 12],
      ['2026-03-03 -', 1, 1, 10, 0],
      ['2026-03-15 EUR', 1, 0, 0, 0],
      ['2026-04-01 USD', 1, 1, 60, 8],
    ]);
  });

  it('by account and month, with one total per currency', () => {
    const { lines, totals } = aggregate(LEGS, grouping({ by: ['account', 'period'], period: 'month', timeZone: 'Europe/Berlin' }));
    expect(table(lines, (line) => `${line.account?.name ?? '-'} ${line.period ?? ''}`)).toEqual([
      ['Alpha 2026-03', 3, 2, 165, 42],
      ['Alpha 2026-04', 1, 1, 60, 8],
      ['Beta 2026-03', 2, 1, 30, 5],
      ['- 2026-03', 1, 1, 10, 0],
    ]);
    expect(table(totals, (line) => line.currency ?? '-')).toEqual([
      ['EUR', 2, 1, 30, 5],
      ['USD', 4, 3, 225, 50],
      ['-', 1, 1, 10, 0],
    ]);
  });

  it('by account: cost and margin in the line\'s currency, and what could not be costed in it', () => {
    const { lines, totals } = aggregate(LEGS, grouping({ by: ['account'] }));
    expect(lines.map((line) => [line.account?.name ?? '-', line.revenueMinor, ...margins(line)])).toEqual([
      // A: revenue 50; cost 18 + 7 + 0 (leg 3 unanswered); leg 4 answered through no carrier
      ['Alpha', 50, 25, 25, 1],
      // B: leg 5's USD cost is not Beta's EUR: uncosted, margin = revenue
      ['Beta', 5, 0, 5, 1],
      // leg 7: a USD cost for a leg nobody paid
      ['-', 0, 0, 0, 1],
    ]);
    expect(totals.map((line) => [line.currency ?? '-', ...margins(line)])).toEqual([
      ['EUR', 0, 5, 1],
      ['USD', 25, 25, 1],
      ['-', 0, 0, 1],
    ]);
  });

  it('by carrier: ASR and ACD per carrier from its tries, with its cost and margin', () => {
    const { lines } = aggregate(LEGS, grouping({ by: ['carrier'] }));
    expect(lines.map((line) => [`${line.carrier ?? '(none)'} ${line.currency ?? '-'}`, ...sums(line), ...margins(line), line.asr, line.acdSeconds])).toEqual([
      ['acme EUR', 1, 1, 30, 5, 0, 5, 1, 1, 30],
      // legs 1, 2: 165 s over 2 answered; 42 − (18 + 7)
      ['acme USD', 2, 2, 165, 42, 25, 17, 0, 1, 82.5],
      ['acme -', 1, 1, 10, 0, 0, 0, 1, 1, 10],
      ['zeta EUR', 1, 0, 0, 0, 0, 0, 0, 0, null],
      ['zeta USD', 1, 0, 0, 0, 0, 0, 0, 0, null],
      ['(none) USD', 1, 1, 60, 8, 0, 8, 1, 1, 60],
    ]);
  });

  it('an empty period gives an empty report', () => {
    expect(aggregate([], grouping({ by: ['account'] }))).toEqual({ lines: [], totals: [] });
  });
});

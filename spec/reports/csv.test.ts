import { aggregate, CsvSyntaxError, formatCsv, parseCsv, reportToCsv } from '../../lib/billing/reports';
import { LEGS } from './fixtures';

describe('CSV', () => {
  it('round-trips quotes, commas and line breaks, and reports the line each record starts on', () => {
    const rows = [
      ['prefix', 'description'],
      ['49', 'Germany, mobile "premium"'],
      ['44', 'two\nlines'],
      ['1', ' padded '],
    ];
    const text = formatCsv(rows);
    expect(text).toBe('prefix,description\n49,"Germany, mobile ""premium"""\n44,"two\nlines"\n1," padded "\n');
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: rows[0] },
      { line: 2, fields: rows[1] },
      { line: 3, fields: rows[2] },
      { line: 5, fields: rows[3] },
    ]);
  });

  it('accepts CRLF, a byte-order mark and blank lines', () => {
    expect(parseCsv('\uFEFFa,b\r\n\r\n1,2\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('names the line of a syntax error', () => {
    expect(() => parseCsv('a,b\n1,"2\n')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
    expect(() => parseCsv('a,b\n1,2"x"\n')).toThrow('line 2: a quote may only open a field');
    expect(() => parseCsv('a,b\n"1"x,2\n')).toThrow('line 2: a closing quote must end its field');
  });

  it('exports a report with the dimension columns asked for', () => {
    const { lines, totals } = aggregate(LEGS, { by: ['account'], period: 'day', timeZone: 'UTC', destinationDigits: null });
    const csv = reportToCsv({ grouping: { by: ['account'], period: 'day', timeZone: 'UTC', destinationDigits: null }, filter: {}, lines, totals });
    expect(csv.split('\n')).toEqual([
      'account_id,account,currency,calls,answered,asr_percent,acd_seconds,billsec,minutes,revenue,cost,margin,uncosted',
      '1,Alpha,USD,4,3,75.00,75.0,225,3.75,0.50,0.25,0.25,1',
      '2,Beta,EUR,2,1,50.00,30.0,30,0.50,0.05,0.00,0.05,1',
      ',,,1,1,100.00,10.0,10,0.17,0.00,0.00,0.00,1',
      '',
    ]);
  });
});

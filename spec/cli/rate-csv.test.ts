import { formatRateCsv, InvalidRateFile, parseRateCsv, RATE_COLUMNS } from '../../lib/cli/rate-csv';
import type { Rate } from '../../lib/store';

const HEADER = RATE_COLUMNS.join(',');

function problemsOf(text: string): string[] {
  try {
    parseRateCsv(text);
  } catch (error) {
    if (error instanceof InvalidRateFile) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('tariff CSV', () => {
  it('reads decimal money exactly: 6 decimals per minute (micro-units), 2 for the fee; empty cells take defaults', () => {
    expect(parseRateCsv(`${HEADER}\n49,Germany,0.0125,0.10,30,6,0\n"44","UK, mobile",0.123456,,,,\n`)).toEqual([
      { prefix: '49', description: 'Germany', ratePerMinute: 12_500, connectionFeeMinor: 10, incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 0 },
      { prefix: '44', description: 'UK, mobile', ratePerMinute: 123_456, connectionFeeMinor: 0, incrementFirstSeconds: 60, incrementNextSeconds: 60, minimumSeconds: 0 },
    ]);
  });

  it('accepts the columns in any order', () => {
    const text = 'minimum,increment_next,increment_first,connection_fee,rate_per_minute,description,prefix\n10,1,1,0.05,1.5,Premium,1900\n';
    expect(parseRateCsv(text)).toEqual([
      { prefix: '1900', description: 'Premium', ratePerMinute: 1_500_000, connectionFeeMinor: 5, incrementFirstSeconds: 1, incrementNextSeconds: 1, minimumSeconds: 10 },
    ]);
  });

  it('names the line and field of every bad row', () => {
    expect(
      problemsOf(
        [HEADER, '49,Germany,0.0125,0.10,30,6,0', '4930,Berlin,0.01x,0,60,60,0', '+44,UK,0.1,0.001,0,60,0', '49,again,0.1,0,60,60,0', '33,France,0.1', ''].join('\n'),
      ),
    ).toEqual([
      'line 3, rate_per_minute: expected an amount from 0 to 1000000.000000 with at most 6 decimals, such as 0.0125 (got "0.01x")',
      'line 4, prefix: expected the digits without + (got "+44")',
      'line 4, connection_fee: expected an amount from 0 to 10000000000.00 with at most 2 decimals, such as 0.10 (got "0.001")',
      'line 4, increment_first: expected whole seconds from 1 to 86400 (got "0")',
      'line 5, prefix: 49 already appears on line 2',
      'line 6: expected 7 fields, found 3',
    ]);
    expect(problemsOf(`${HEADER}\n49,Germany,-0.01,0,60,60,0\n`)).toEqual(['line 2, rate_per_minute: expected an amount from 0 to 1000000.000000 with at most 6 decimals, such as 0.0125 (got "-0.01")']);
  });

  it('reads ext: prefixes for extension legs beside number prefixes, and names a malformed one precisely', () => {
    expect(parseRateCsv(`${HEADER}\next:,Any extension,0.001,,,,\next:2,Extensions 2…,0.002,,1,1,\n2,Egypt?,0.5,,,,\n`).map((rate) => [rate.prefix, rate.ratePerMinute])).toEqual([
      ['ext:', 1_000],
      ['ext:2', 2_000],
      ['2', 500_000],
    ]);
    expect(problemsOf(`${HEADER}\nEXT:2,x,0.1,,,,\next:2a,x,0.1,,,,\next:2,x,0.1,,,,\next:2,y,0.1,,,,\n`)).toEqual([
      'line 2, prefix: expected ext: in lower case (got "EXT:2")',
      'line 3, prefix: expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:2a")',
      'line 5, prefix: ext:2 already appears on line 4',
    ]);
  });

  it('refuses a wrong header or an empty file', () => {
    expect(problemsOf('prefix,rate\n49,0.1\n')).toEqual([
      'line 1: unknown column "rate"',
      'line 1: missing column(s) description, rate_per_minute, connection_fee, increment_first, increment_next, minimum',
    ]);
    expect(problemsOf('')).toEqual(['line 1: the file is empty; expected the header prefix,description,rate_per_minute,connection_fee,increment_first,increment_next,minimum']);
    expect(problemsOf(`${HEADER}\n49,"Germany,0.1,0,60,60,0\n`)).toEqual(['line 2: a quoted field is never closed']);
  });

  it('writes what it reads', () => {
    const rates: Rate[] = [
      { id: 1, tariffId: 1, prefix: '1', description: 'USA', ratePerMinute: 10_000, connectionFeeMinor: 0 as Rate['connectionFeeMinor'], incrementFirstSeconds: 60, incrementNextSeconds: 60, minimumSeconds: 0 },
      { id: 2, tariffId: 1, prefix: '44', description: 'UK, "mobile"', ratePerMinute: 123_456, connectionFeeMinor: 15 as Rate['connectionFeeMinor'], incrementFirstSeconds: 30, incrementNextSeconds: 6, minimumSeconds: 10 },
    ];
    const text = formatRateCsv(rates);
    expect(text).toBe(`${HEADER}\n1,USA,0.0100,0.00,60,60,0\n44,"UK, ""mobile""",0.123456,0.15,30,6,10\n`);
    expect(parseRateCsv(text)).toEqual(rates.map(({ id: _id, tariffId: _tariffId, ...rate }) => rate));
  });
});

import { z } from 'zod';
import { CsvSyntaxError, formatCsv, parseCsv } from '../billing/reports';
import { formatAmount, InvalidAmount, MONEY_MAX_MINOR, minorUnits, parseDecimalAmount } from '../domain/money';
import type { NewRate, Rate } from '../store';
import { ratePrefixField } from '../store/validation';

/** What a CSV row holds: a tariff's rate and a carrier's buy rate alike. */
export type RateRow = Pick<Rate, 'prefix' | 'description' | 'ratePerMinute' | 'connectionFeeMinor' | 'incrementFirstSeconds' | 'incrementNextSeconds' | 'minimumSeconds'>;

/*
 * The tariff CSV (B1), the format `rates import` reads and `rates export` writes (and
 * `carriers rates import|export` for a carrier's buy rates):
 *
 *   prefix,description,rate_per_minute,connection_fee,increment_first,increment_next,minimum
 *   49,Germany,0.0125,0.00,60,60,0
 *   ext:2,Extensions 2xx on the node,0.0010,0.00,60,60,0
 *
 * A prefix is digits of the number without +, or (tariffs only) `ext:` and digits of an
 * extension for call_extension legs, `ext:` alone for every extension (lib/domain/rate-prefix.ts).
 * Money is decimal text in the currency's major unit: rate_per_minute with up to 6 decimals
 * (the store's micro-units, 1/10000 of a cent, are exactly 10^-6 of the major unit),
 * connection_fee with up to 2. Increments and the minimum are whole seconds; empty cells take
 * the store's defaults (60, 60, 0, and a fee of 0). Columns may come in any order.
 */
export const RATE_COLUMNS = ['prefix', 'description', 'rate_per_minute', 'connection_fee', 'increment_first', 'increment_next', 'minimum'] as const;
export type RateColumn = (typeof RATE_COLUMNS)[number];

/** Micro-units per major unit: 100 minor units × 10 000. */
const RATE_DECIMALS = 6;

export interface RateProblem {
  line: number;
  field?: RateColumn;
  message: string;
}

export class InvalidRateFile extends Error {
  constructor(readonly problems: readonly RateProblem[]) {
    super(problems.map(describeProblem).join('\n'));
    this.name = 'InvalidRateFile';
  }
}

function describeProblem(problem: RateProblem): string {
  return problem.field === undefined ? `line ${problem.line}: ${problem.message}` : `line ${problem.line}, ${problem.field}: ${problem.message}`;
}

const decimal = (decimals: number, example: string) =>
  z.string().transform((text, ctx) => {
    try {
      const value = parseDecimalAmount(text === '' ? '0' : text, decimals);
      if (value >= 0) return value;
    } catch (error) {
      if (!(error instanceof InvalidAmount)) throw error;
    }
    ctx.addIssue({ code: 'custom', message: `expected an amount from 0 to ${formatAmount(minorUnits(MONEY_MAX_MINOR), decimals)} with at most ${decimals} decimals, such as ${example} (got "${text}")` });
    return z.NEVER;
  });

const seconds = (min: number, fallback: number) =>
  z.string().transform((text, ctx) => {
    if (text === '') return fallback;
    if (/^\d+$/.test(text) && Number(text) >= min && Number(text) <= 86_400) return Number(text);
    ctx.addIssue({ code: 'custom', message: `expected whole seconds from ${min} to 86400 (got "${text}")` });
    return z.NEVER;
  });

const rowSchema = z.object({
  prefix: ratePrefixField,
  description: z.string().max(100, 'expected at most 100 characters'),
  rate_per_minute: decimal(RATE_DECIMALS, '0.0125'),
  connection_fee: decimal(2, '0.10'),
  increment_first: seconds(1, 60),
  increment_next: seconds(1, 60),
  minimum: seconds(0, 0),
});

/** One rate as text, a cell per column; an empty cell takes the column's default. */
export type RateCells = Record<RateColumn, string>;

/** One rate, checked exactly as a CSV row is (`rates add` uses it too), or what is wrong with each cell. */
export function parseRateCells(cells: RateCells): NewRate | Array<{ field: RateColumn; message: string }> {
  const parsed = rowSchema.safeParse(cells);
  if (!parsed.success) return parsed.error.issues.map((issue) => ({ field: issue.path[0] as RateColumn, message: issue.message }));
  const value = parsed.data;
  return {
    prefix: value.prefix,
    description: value.description,
    ratePerMinute: value.rate_per_minute,
    connectionFeeMinor: minorUnits(value.connection_fee),
    incrementFirstSeconds: value.increment_first,
    incrementNextSeconds: value.increment_next,
    minimumSeconds: value.minimum,
  };
}

/**
 * Reads a whole file. Every problem is collected (up to `limit`), each naming its line and
 * column; any problem means no rates at all, so the caller imports all of the file or none of it.
 */
export function parseRateCsv(text: string, limit = 50): NewRate[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new InvalidRateFile([{ line: error.line, message: error.message.replace(/^line \d+: /, '') }]);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw new InvalidRateFile([{ line: 1, message: `the file is empty; expected the header ${RATE_COLUMNS.join(',')}` }]);
  const positions = headerPositions(header.line, header.fields);
  const problems: RateProblem[] = [];
  const rates: NewRate[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    if (problems.length >= limit) break;
    if (row.fields.length !== header.fields.length) {
      problems.push({ line: row.line, message: `expected ${header.fields.length} fields, found ${row.fields.length}` });
      continue;
    }
    const cells = Object.fromEntries(RATE_COLUMNS.map((column) => [column, row.fields[positions.get(column)!]!.trim()])) as RateCells;
    const parsed = parseRateCells(cells);
    if (!('prefix' in parsed)) {
      for (const issue of parsed) problems.push({ line: row.line, ...issue });
      continue;
    }
    const earlier = firstLineOf.get(parsed.prefix);
    if (earlier !== undefined) {
      problems.push({ line: row.line, field: 'prefix', message: `${parsed.prefix} already appears on line ${earlier}` });
      continue;
    }
    firstLineOf.set(parsed.prefix, row.line);
    rates.push(parsed);
  }
  if (problems.length > 0) throw new InvalidRateFile(problems.slice(0, limit));
  return rates;
}

function headerPositions(line: number, fields: readonly string[]): Map<RateColumn, number> {
  const names = fields.map((field) => field.trim().toLowerCase());
  const problems: RateProblem[] = [];
  for (const name of names) {
    if (!(RATE_COLUMNS as readonly string[]).includes(name)) problems.push({ line, message: `unknown column "${name}"` });
  }
  const missing = RATE_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) problems.push({ line, message: `missing column(s) ${missing.join(', ')}` });
  if (new Set(names).size !== names.length) problems.push({ line, message: 'a column is named twice' });
  if (problems.length > 0) throw new InvalidRateFile(problems);
  return new Map(RATE_COLUMNS.map((column) => [column, names.indexOf(column)]));
}

/** A per-minute rate in major units: at least 4 decimals (as rates are usually written), more only when needed. */
export function formatRate(microUnits: number): string {
  return formatAmount(minorUnits(microUnits), RATE_DECIMALS).replace(/(\.\d{4}\d*?)0+$/, '$1');
}

export function formatRateCsv(rates: readonly RateRow[]): string {
  return formatCsv([
    [...RATE_COLUMNS],
    ...rates.map((rate) => [
      rate.prefix,
      rate.description,
      formatRate(rate.ratePerMinute),
      formatAmount(rate.connectionFeeMinor),
      String(rate.incrementFirstSeconds),
      String(rate.incrementNextSeconds),
      String(rate.minimumSeconds),
    ]),
  ]);
}

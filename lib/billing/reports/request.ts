import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { DIMENSIONS, PERIODS, type CdrFilter, type Dimension, type Grouping } from './types';

/*
 * What a report is asked for, in the words of a query string or command line (all strings), so
 * that the API and the CLI accept exactly the same things and refuse them with the same messages.
 */

export interface ReportRequestInput {
  /** Comma-separated dimensions, e.g. "account,period"; "" for totals only. Default: account. */
  by?: string;
  period?: string;
  timeZone?: string;
  /** A date (2026-01-31), month (2026-01) or local time (2026-01-31T08:00) in timeZone. */
  from?: string;
  /** Exclusive, same forms as from. */
  to?: string;
  accountId?: string | number;
  /** Group destinations by this many leading digits instead of the stored rate prefix. */
  digits?: string | number;
}

export interface ReportRequest {
  grouping: Grouping;
  filter: CdrFilter;
}

export interface RequestIssue {
  /** The input field (a key of ReportRequestInput). */
  field: string;
  message: string;
}

export class InvalidReportRequest extends Error {
  constructor(readonly issues: readonly RequestIssue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'InvalidReportRequest';
  }
}

const LOCAL_TIME = /^\d{4}-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?$/;
const LOCAL_TIME_ALLOWED = 'expected a date such as 2026-01-31, a month such as 2026-01, or a local time such as 2026-01-31T08:00';

const dimensionsField = z
  .string()
  .default('account')
  .transform((text, ctx): Dimension[] => {
    const names = text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = names.filter((name) => !(DIMENSIONS as readonly string[]).includes(name));
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown dimension ${unknown.join(', ')}; expected any of ${DIMENSIONS.join(', ')}` });
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', message: 'a dimension is named twice' });
    return names as Dimension[];
  });

const timeZoneField = z
  .string()
  .default('UTC')
  .refine((zone) => IANAZone.isValidZone(zone), 'expected an IANA time zone such as Europe/Berlin');

const localTimeField = z.string().regex(LOCAL_TIME, LOCAL_TIME_ALLOWED).optional();

const requestSchema = z.object({
  by: dimensionsField,
  period: z.enum(PERIODS, `expected one of ${PERIODS.join(', ')}`).default('day'),
  timeZone: timeZoneField,
  from: localTimeField,
  to: localTimeField,
  accountId: z.coerce.number<string | number>().int().positive('expected an account id').optional(),
  digits: z.coerce.number<string | number>().int().min(1).max(15, 'expected 1 to 15 digits').optional(),
});

export function parseReportRequest(input: ReportRequestInput): ReportRequest {
  const result = requestSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidReportRequest(result.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message })));
  }
  const value = result.data;
  const from = value.from === undefined ? undefined : instant('from', value.from, value.timeZone);
  const to = value.to === undefined ? undefined : instant('to', value.to, value.timeZone);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new InvalidReportRequest([{ field: 'to', message: 'must be later than from' }]);
  }
  const filter: CdrFilter = {};
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (value.accountId !== undefined) filter.accountId = value.accountId;
  return {
    grouping: { by: value.by, period: value.period, timeZone: value.timeZone, destinationDigits: value.digits ?? null },
    filter,
  };
}

function instant(field: 'from' | 'to', text: string, zone: string): number {
  // The pattern has already been checked, so only an impossible date (2026-02-30) is left to refuse.
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) throw new InvalidReportRequest([{ field, message: `${text} is not a date: ${parsed.invalidExplanation ?? 'invalid'}` }]);
  return parsed.toMillis();
}

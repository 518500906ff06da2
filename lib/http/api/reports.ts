import type { Knex } from 'knex';
import { z } from 'zod';
import { DIMENSIONS, PERIODS, QUERY_FIELDS, reportHandler } from '../../billing/reports';
import type { Route } from './route';

/** What each report field means to a client; keyed by the handler's own fields, so the two cannot part. */
const FIELD_DESCRIPTIONS: Record<(typeof QUERY_FIELDS)[number], string> = {
  by: `comma-separated dimensions (${DIMENSIONS.join(', ')}); empty for totals only. Default: account`,
  period: `${PERIODS.join(', ')}; the width of the period dimension. Default: day`,
  timeZone: 'IANA time zone of periods, from and to. Default: UTC',
  from: 'first local date (2026-01-31), month (2026-01) or time (2026-01-31T08:00) included',
  to: 'first local date, month or time no longer included',
  accountId: 'one account only',
  digits: 'group destinations by this many leading digits instead of the rate prefix (1–15)',
};

const reportQuery = z.object({
  ...Object.fromEntries(QUERY_FIELDS.map((field) => [field, z.string().optional().meta({ description: FIELD_DESCRIPTIONS[field] })])),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: a report.csv download (also chosen by Accept: text/csv). Default: json' }),
});

const invalidReport = z.object({
  error: z.object({
    code: z.literal('invalid_report_request'),
    message: z.string(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })),
  }),
});

/**
 * B6: the operator's statistics. The handler reads the query itself, so that a bad request names
 * every wrong field at once (as the CLI's `reports` does); the schema here documents it.
 */
export function reportsRoute(db: Knex): Route {
  return {
    meta: {
      method: 'get',
      path: '/reports',
      operationId: 'callReport',
      summary: 'Calls, answered, ASR, ACD, minutes, revenue, carrier cost and margin by account, destination, period and carrier',
      tag: 'reports',
      authenticated: true,
      operatorOnly: true,
      query: reportQuery,
      responses: {
        200: { description: 'the report as JSON, or as CSV with format=csv', contentType: 'application/json' },
        400: { description: 'a field is wrong: every wrong field is named in issues', schema: invalidReport },
        403: { description: 'not the operator' },
      },
    },
    handler: reportHandler(db),
  };
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Knex } from 'knex';
import { reportToCsv } from './export';
import { buildReport } from './report';
import { InvalidReportRequest, parseReportRequest, type ReportRequestInput } from './request';

export const QUERY_FIELDS = ['by', 'period', 'timeZone', 'from', 'to', 'accountId', 'digits'] as const satisfies readonly (keyof ReportRequestInput)[];

/**
 * Answers a report request: JSON, or CSV with `format=csv` (or `Accept: text/csv`). Query: by,
 * period, timeZone, from, to, accountId, digits (see ReportRequestInput). Operator data: serve it
 * behind the operator authentication.
 */
export function reportHandler(db: Knex): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    answerReport(db, req, res).catch((error: unknown) => {
      if (error instanceof InvalidReportRequest) {
        res.status(400).json({ error: { code: 'invalid_report_request', message: error.message, issues: error.issues } });
        return;
      }
      next(error);
    });
  };
}

async function answerReport(db: Knex, req: Request, res: Response): Promise<void> {
  const request = parseReportRequest(queryInput(req.query));
  const report = await buildReport(db, request.grouping, request.filter);
  if (wantsCsv(req)) {
    res.type('text/csv').attachment('report.csv').send(reportToCsv(report));
  } else {
    res.json(report);
  }
}

function queryInput(query: Request['query']): ReportRequestInput {
  const input: ReportRequestInput = {};
  const repeated: string[] = [];
  for (const field of QUERY_FIELDS) {
    const value: unknown = query[field];
    if (typeof value === 'string') input[field] = value;
    else if (value !== undefined) repeated.push(field);
  }
  if (repeated.length > 0) throw new InvalidReportRequest(repeated.map((field) => ({ field, message: 'give it once' })));
  return input;
}

function wantsCsv(req: Request): boolean {
  const format = req.query.format;
  if (format === 'csv') return true;
  if (format === 'json') return false;
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** B6 statistics over CDRs: pure aggregation, a paging query adapter, CSV and an HTTP handler. */
export * from './types';
export { aggregate, isAnswered, ReportAccumulator } from './aggregate';
export { destinationOf, periodOf, UNRATED } from './dimensions';
export { reportCdrPages } from './query';
export { buildReport } from './report';
export { InvalidReportRequest, parseReportRequest, type ReportRequest, type ReportRequestInput, type RequestIssue } from './request';
export { reportColumns, type ReportColumn } from './columns';
export { reportToCsv } from './export';
export { CsvSyntaxError, formatCsv, formatCsvField, parseCsv, type CsvRecord } from './csv';
export { QUERY_FIELDS, reportHandler } from './http';

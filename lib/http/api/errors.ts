import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { InvalidOrder, OrderRefused } from '../../callback/engine/order';
import type { Logger } from '../../log/logger';
import { CorruptRow } from '../../store/rows';
import { isDatabaseUnavailable } from '../../store/sql-errors';
import { InvalidStoreInput, StoreConflict } from '../../store/validation';

/**
 * The codes are part of the public API: clients branch on them, so they never change meaning.
 * `field` names the offending input (a dotted path into the body or query) when there is one.
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'body_too_large',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'not_cancellable',
  'rate_limited',
  'csrf_failed',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** Seconds a client should wait before trying again (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `no such ${what}`);
export const forbidden = (message: string): ApiError => new ApiError(403, 'forbidden', message);

/** How long a client is asked to wait while the database is away: a restart takes seconds. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** The database is away (stopped, restarting): nothing was done, and the same request may be sent again. */
export const databaseUnavailable = (): ApiError =>
  new ApiError(503, 'unavailable', 'the database is unavailable; nothing was changed, try again shortly', undefined, UNAVAILABLE_RETRY_AFTER_SECONDS);

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

/** The first issue of a zod error, as the API reports it. */
export function fromZodError(error: z.ZodError, prefix?: string): ApiError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter((part) => part !== undefined && part !== '').join('.');
  return new ApiError(400, 'validation_failed', issue ? issue.message : 'invalid input', path || undefined);
}

/** The engine reports "field: reason" for numbers it cannot read; keep the field apart. */
function fromInvalidOrder(error: InvalidOrder): ApiError {
  const match = /^(source|destination|accountId|statusWebhookUrl)\s*:\s*(.+)$/s.exec(error.issues);
  if (match) return new ApiError(400, 'validation_failed', match[2] ?? error.issues, match[1]);
  const arrow = /→ at ([\w.]+)/.exec(error.issues);
  return new ApiError(400, 'validation_failed', error.issues.split('\n')[0]?.replace(/^✖\s*/, '') ?? error.issues, arrow?.[1]);
}

interface BodyParserError {
  type?: string;
  status?: number;
}

function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  if (error instanceof OrderRefused) return new ApiError(403, 'forbidden', error.issues);
  if (error instanceof InvalidOrder) return fromInvalidOrder(error);
  if (error instanceof InvalidStoreInput) return new ApiError(400, 'validation_failed', error.issues);
  if (error instanceof StoreConflict) return new ApiError(409, 'conflict', error.message);
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  const parser = error as BodyParserError;
  if (parser.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  if (parser.type === 'entity.too.large') return new ApiError(413, 'body_too_large', 'the body is too large');
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) return new ApiError(parser.status, 'validation_failed', 'the request could not be read');
  return null;
}

export function sendError(res: Response, error: ApiError): void {
  const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  res.status(error.status).json(body);
}

/** The API's own error handler, so its bodies have the same shape whatever app mounts it. */
export function apiErrorHandler(logger: Logger) {
  // Express recognises an error handler by its four parameters.
  return (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const known = toApiError(error);
    if (known) return sendError(res, known);
    if (error instanceof CorruptRow) {
      // A value no write path of ours produces (written before a bound existed, or by hand): say which, so the operator can correct it.
      logger.error('a stored row cannot be read', { error: error.message });
      return sendError(res, new ApiError(500, 'internal', `${error.message}; the operator must correct the stored row`));
    }
    logger.error('unhandled error in an API request', { error: error instanceof Error ? error.message : String(error) });
    if (res.headersSent) return void res.end();
    sendError(res, new ApiError(500, 'internal', 'internal error'));
  };
}

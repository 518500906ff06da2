import type { Request } from 'express';

/*
 * Where each gateway format puts from, to, text and id. Returning null means the body is not
 * even shaped like a message; field-level problems are left to readInboundFields.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** POST JSON or an HTML form: {from, to, text, id}. */
export function genericCandidate(req: Request): Record<string, unknown> | null {
  const body: unknown = req.body;
  if (!isRecord(body)) return null;
  return { from: body.from, to: body.to, text: body.text, id: body.id };
}

/**
 * Kannel's sms-service, as kannel-conf/kannel.conf sets it up:
 *   get-url:  ?from=%p&to=%P&text=%a&id=%I (everything in the query);
 *   post-url: ?from=%p&to=%P&id=%I with the text as the body (Kannel's own format, which also
 *             carries X-Kannel-From / X-Kannel-To headers, used when the query lacks them).
 * A form body with the same names is accepted too.
 */
export function kannelCandidate(req: Request): Record<string, unknown> | null {
  const query = req.query as Record<string, unknown>;
  const body: unknown = req.body;
  const form = isRecord(body) ? body : {};
  if (req.method === 'POST' && body !== undefined && typeof body !== 'string' && !isRecord(body)) return null;
  return {
    from: query.from ?? req.get('x-kannel-from') ?? form.from,
    to: query.to ?? req.get('x-kannel-to') ?? form.to,
    text: query.text ?? (typeof body === 'string' ? body : form.text),
    id: query.id ?? form.id,
  };
}

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { fromZodError } from './errors';
import { principalOf, type Principal } from './principal';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; absent for bodies that are not JSON (downloads, event streams). */
  schema?: z.ZodType;
  /** Non-JSON content type (text/event-stream, application/octet-stream). */
  contentType?: string;
}

/**
 * What the router and the OpenAPI document are both built from, so the two cannot drift:
 * the document is generated from these schemas, and a test compares it with the router.
 */
export interface RouteMeta {
  method: HttpMethod;
  /** Express syntax (`/callbacks/:id`). */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** false: served without credentials (the OpenAPI document). */
  authenticated: boolean;
  operatorOnly?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A body that is not JSON (a CSV upload): parsed by the route's own `before`, documented under this type. */
  bodyContentType?: string;
  responses: Record<number, ResponseSpec>;
}

export interface HandlerInput<P, Q, B> {
  req: Request;
  res: Response;
  principal: Principal;
  params: P;
  query: Q;
  body: B;
}

export interface Route {
  meta: RouteMeta;
  handler: RequestHandler;
  /** Extra middleware before the handler (rate limits). */
  before?: RequestHandler[];
}

const EMPTY = z.object({});

function parse<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, prefix === 'body' ? undefined : prefix);
  return result.data;
}

/** Validates params, query and body with the route's schemas, then runs `handle`. */
export function defineRoute<P extends z.ZodObject = typeof EMPTY, Q extends z.ZodObject = typeof EMPTY, B extends z.ZodType = typeof EMPTY>(
  meta: RouteMeta & { params?: P; query?: Q; body?: B },
  handle: (input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<void> | void,
  before?: RequestHandler[],
): Route {
  const handler = (req: Request, res: Response, next: NextFunction): void => {
    try {
      const principal = meta.authenticated ? principalOf(res) : ({ kind: 'operator', label: 'anonymous' } as const);
      const params = parse(meta.params ?? EMPTY, req.params, 'params') as z.output<P>;
      const query = parse(meta.query ?? EMPTY, req.query, 'query') as z.output<Q>;
      const body = (meta.body ? parse(meta.body, req.body ?? {}, 'body') : {}) as z.output<B>;
      Promise.resolve(handle({ req, res, principal, params, query, body })).catch(next);
    } catch (error) {
      next(error);
    }
  };
  return { meta, handler, ...(before ? { before } : {}) };
}

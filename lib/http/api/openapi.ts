import { z } from 'zod';
import type { Route, RouteMeta } from './route';

type Json = Record<string, unknown>;

/** `/callbacks/:id` → `/callbacks/{id}` */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/*
 * Request schemas are documented as the client writes them (`io: 'input'`: defaults optional,
 * coerced query strings), response schemas as the server writes them. Named schemas (`.meta({ id })`)
 * go to components and are referenced.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', registry: Json): Json {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  const relinked = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json & { $defs?: Record<string, Json> };
  const { $defs, $schema: _ignored, ...rest } = relinked;
  for (const [name, def] of Object.entries($defs ?? {})) registry[name] ??= def;
  return rest;
}

function parameters(meta: RouteMeta, registry: Json): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', meta.params], ['query', meta.query]] as const) {
    if (!schema) continue;
    const shape = schema.shape as Record<string, z.ZodType>;
    for (const [name, field] of Object.entries(shape)) {
      const fieldSchema = jsonSchema(field, 'input', registry);
      const description = (fieldSchema as { description?: string }).description;
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: fieldSchema,
        ...(description ? { description } : {}),
      });
    }
  }
  return out;
}

function operation(meta: RouteMeta, registry: Json): Json {
  const responses: Json = {};
  for (const [status, spec] of Object.entries(meta.responses)) {
    const content = spec.schema
      ? { 'application/json': { schema: jsonSchema(spec.schema, 'output', registry) } }
      : spec.contentType
        ? { [spec.contentType]: {} }
        : undefined;
    responses[status] = { description: spec.description, ...(content ? { content } : {}) };
  }
  if (meta.authenticated) {
    responses['401'] ??= { description: 'no valid API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    // Every authenticated route reads its key from the database.
    responses['503'] ??= {
      description: 'the database is unavailable (code `unavailable`, with Retry-After): nothing was changed, send the same request again later',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: meta.operationId,
    summary: meta.summary,
    tags: [meta.tag],
    ...(meta.authenticated ? {} : { security: [] }),
    ...(meta.operatorOnly ? { description: 'Operator key only.' } : {}),
    parameters: parameters(meta, registry),
    ...(meta.body ? { requestBody: { required: true, content: { [meta.bodyContentType ?? 'application/json']: { schema: jsonSchema(meta.body, 'input', registry) } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`, generated from the very schemas that validate them. */
export function buildOpenApi(routes: readonly Pick<Route, 'meta'>[], info: { title: string; version: string; serverUrl: string }): Json {
  const registry: Json = {};
  const paths: Record<string, Json> = {};
  for (const { meta } of routes) {
    const key = openApiPath(meta.path);
    paths[key] = { ...(paths[key] ?? {}), [meta.method]: operation(meta, registry) };
  }
  // Ensure the shared error body is always there for the 401s and 503s added above.
  registry.Error ??= { type: 'object' };
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version },
    servers: [{ url: info.serverUrl }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      schemas: registry,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An account API key, or the operator key' } },
    },
  };
}

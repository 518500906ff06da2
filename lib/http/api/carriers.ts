import express from 'express';
import { z } from 'zod';
import { formatRateCsv, InvalidRateFile, parseRateCsv } from '../../cli/rate-csv';
import { CALLER_ID_MODES, type Carrier, type Store } from '../../store';
import { parseUtcInstant, UTC_INSTANT_EXAMPLE } from '../../time/instant';
import type { Clock } from '../../time/clock';
import { ApiError, notFound } from './errors';
import { defineRoute, type Route } from './route';
import { errorBody } from './schemas';

/** A rate sheet of 10,000 prefixes is about 400 kB of CSV. */
const RATE_CSV_LIMIT = '8mb';

const limit = z.number().int().min(1).max(100_000).nullable();
const carrierFields = {
  name: z.string().meta({ description: 'unique: 1-64 letters, digits, _ . -', example: 'acme' }),
  currency: z.string().meta({ description: 'ISO 4217 currency of its buy rates', example: 'USD' }),
  dialPrefix: z.string().meta({ description: 'digits put before the number, after stripDigits' }),
  stripDigits: z.number().int().meta({ description: 'leading digits of the E.164 number (without +) removed before dialPrefix is added' }),
  callerIdMode: z.enum(CALLER_ID_MODES).meta({ description: 'pass the leg\'s caller ID, put callerIdNumber, or withhold it' }),
  callerIdNumber: z.string().nullable().meta({ description: 'E.164; required for the fixed mode, refused for the others' }),
  maxChannels: limit.meta({ description: 'most concurrent calls through it; null: unlimited' }),
  maxCps: limit.meta({ description: 'most new calls per second through it; null: unlimited' }),
  priority: z.number().int().meta({ description: 'lower is tried first' }),
  weight: z.number().int().meta({ description: 'share among carriers of the same priority (at least 1)' }),
  enabled: z.boolean(),
};

const gatewayView = z.object({
  node: z.string().meta({ description: 'a FreeSWITCH node name, or * for every node without one of its own' }),
  gateway: z.string().meta({ description: 'the sofia gateway on that node' }),
});

const carrierView = z.object({ id: z.number().int(), ...carrierFields, gateways: z.array(gatewayView) }).meta({ id: 'Carrier' });

/** Checked in full by the store, which names the field that is wrong. */
const newCarrierBody = z.strictObject(carrierFields).partial().required({ name: true });
const carrierPatchBody = z.strictObject(carrierFields).partial();

const idParams = z.object({ id: z.coerce.number().int().positive().meta({ description: 'carrier id' }) });
const gatewayParams = idParams.extend({ node: z.string().meta({ description: 'node name, or *' }) });

const instant = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return undefined;
    const parsed = parseUtcInstant(text);
    if (parsed === null) ctx.addIssue({ code: 'custom', message: `expected ${UTC_INSTANT_EXAMPLE}` });
    return parsed ?? z.NEVER;
  });

const buyRateView = z.object({
  id: z.number().int(),
  carrierId: z.number().int(),
  prefix: z.string(),
  description: z.string(),
  ratePerMinute: z.number().int().meta({ description: 'micro-units (1/10000 of a minor unit) per minute' }),
  connectionFeeMinor: z.number().int(),
  incrementFirstSeconds: z.number().int(),
  incrementNextSeconds: z.number().int(),
  minimumSeconds: z.number().int(),
  effectiveFrom: z.number().int().meta({ description: 'epoch milliseconds from which the rate is in force' }),
});

const ratesQuery = z.object({
  at: instant.meta({ description: `the rates in force then: ${UTC_INSTANT_EXAMPLE}. Default: now` }),
  all: z.enum(['true', 'false']).optional().meta({ description: 'true: every sheet, superseded and future ones too (JSON only)' }),
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: the rates in force in the rate CSV format (prefix,description,rate_per_minute,…). Default: json' }),
});

const importQuery = z.object({
  effectiveFrom: instant.meta({ description: `when the sheet comes into force: ${UTC_INSTANT_EXAMPLE}. Default: now` }),
  replace: z.enum(['true', 'false']).optional().meta({ description: 'true: also delete the rates of the carrier\'s sheet of that same instant that are not in the file' }),
});

const rateCsvBody = z.string().min(1, 'expected a CSV body (Content-Type: text/csv)').meta({
  description: 'prefix,description,rate_per_minute,connection_fee,increment_first,increment_next,minimum — amounts in the major unit (0.0125), whole seconds',
});

const TAG = 'carriers';
const errors = { 400: { description: 'invalid input', schema: errorBody }, 403: { description: 'not the operator', schema: errorBody } };
const missing = { 404: { description: 'no such carrier', schema: errorBody } };

async function carrierOrThrow(store: Store, id: number): Promise<Carrier> {
  const carrier = await store.carriers.get(id);
  if (!carrier) throw notFound(`carrier ${id}`);
  return carrier;
}

/** The operator's carriers (issue #17): who legs go out through, on which gateway, at what buy rate. */
export function carrierRoutes(ctx: { store: Store; clock: Clock }): Route[] {
  const { store } = ctx;
  const operator = { tag: TAG, authenticated: true, operatorOnly: true } as const;

  const list = defineRoute(
    { ...operator, method: 'get', path: '/carriers', operationId: 'listCarriers', summary: 'Carriers, by name', responses: { 200: { description: 'carriers', schema: z.object({ items: z.array(carrierView) }) }, ...errors } },
    async ({ res }) => {
      res.json({ items: await store.carriers.list() });
    },
  );

  const create = defineRoute(
    {
      ...operator,
      method: 'post',
      path: '/carriers',
      operationId: 'createCarrier',
      summary: 'Add a carrier (give it a gateway next)',
      body: newCarrierBody,
      responses: { 201: { description: 'created', schema: carrierView }, ...errors, 409: { description: 'the name is taken', schema: errorBody } },
    },
    async ({ res, body }) => {
      res.status(201).json(await store.carriers.create(body as Parameters<Store['carriers']['create']>[0]));
    },
  );

  const show = defineRoute(
    { ...operator, method: 'get', path: '/carriers/:id', operationId: 'getCarrier', summary: 'One carrier and its gateways', params: idParams, responses: { 200: { description: 'the carrier', schema: carrierView }, ...errors, ...missing } },
    async ({ res, params }) => {
      res.json(await carrierOrThrow(store, params.id));
    },
  );

  const update = defineRoute(
    {
      ...operator,
      method: 'patch',
      path: '/carriers/:id',
      operationId: 'updateCarrier',
      summary: 'Change a carrier: only the fields given (enabled: false takes it out of routing)',
      params: idParams,
      body: carrierPatchBody,
      responses: { 200: { description: 'the carrier as it is now', schema: carrierView }, ...errors, ...missing, 409: { description: 'the name is taken', schema: errorBody } },
    },
    async ({ res, params, body }) => {
      const updated = await store.carriers.update(params.id, body as Parameters<Store['carriers']['update']>[1]);
      if (!updated) throw notFound(`carrier ${params.id}`);
      res.json(updated);
    },
  );

  const setGateway = defineRoute(
    {
      ...operator,
      method: 'put',
      path: '/carriers/:id/gateways',
      operationId: 'setCarrierGateway',
      summary: 'Set the gateway a carrier is reached through on a node (or on every node with *)',
      params: idParams,
      body: gatewayView,
      responses: { 200: { description: 'the carrier as it is now', schema: carrierView }, ...errors, ...missing },
    },
    async ({ res, params, body }) => {
      const updated = await store.carriers.setGateway(params.id, body);
      if (!updated) throw notFound(`carrier ${params.id}`);
      res.json(updated);
    },
  );

  const removeGateway = defineRoute(
    {
      ...operator,
      method: 'delete',
      path: '/carriers/:id/gateways/:node',
      operationId: 'removeCarrierGateway',
      summary: "Remove a carrier's gateway on a node",
      params: gatewayParams,
      responses: { 204: { description: 'removed' }, ...errors, 404: { description: 'no such carrier or no gateway on that node', schema: errorBody } },
    },
    async ({ res, params }) => {
      const carrier = await carrierOrThrow(store, params.id);
      if (!(await store.carriers.removeGateway(carrier.id, params.node))) throw notFound(`gateway of carrier ${carrier.name} on node ${params.node}`);
      res.status(204).end();
    },
  );

  const listRates = defineRoute(
    {
      ...operator,
      method: 'get',
      path: '/carriers/:id/rates',
      operationId: 'listCarrierRates',
      summary: "A carrier's buy rates in force (JSON or CSV), or every sheet",
      params: idParams,
      query: ratesQuery,
      responses: { 200: { description: 'the rates; text/csv with format=csv', schema: z.object({ items: z.array(buyRateView) }) }, ...errors, ...missing },
    },
    async ({ res, params, query }) => {
      const carrier = await carrierOrThrow(store, params.id);
      const every = query.all === 'true' && query.format !== 'csv';
      const rates = await store.buyRates.list(carrier.id, every ? {} : { at: query.at ?? ctx.clock.now() });
      if (query.format === 'csv') {
        res.type('text/csv').attachment(`${carrier.name}-rates.csv`).send(formatRateCsv(rates));
        return;
      }
      res.json({ items: rates });
    },
  );

  const importRates = defineRoute(
    {
      ...operator,
      method: 'post',
      path: '/carriers/:id/rates',
      operationId: 'importCarrierRates',
      summary: 'Load a rate sheet from CSV, in force from effectiveFrom; one bad row and nothing is imported',
      params: idParams,
      query: importQuery,
      body: rateCsvBody,
      bodyContentType: 'text/csv',
      responses: {
        200: { description: 'imported', schema: z.object({ carrierId: z.number().int(), imported: z.number().int(), effectiveFrom: z.number().int(), replaced: z.boolean() }) },
        ...errors,
        ...missing,
      },
    },
    async ({ res, params, query, body }) => {
      const carrier = await carrierOrThrow(store, params.id);
      const rates = parseRates(body);
      const effectiveFrom = query.effectiveFrom ?? ctx.clock.now();
      const replaced = query.replace === 'true';
      const imported = await store.buyRates.importRates(carrier.id, rates, { effectiveFrom, replace: replaced });
      res.json({ carrierId: carrier.id, imported, effectiveFrom, replaced });
    },
    [express.text({ type: 'text/csv', limit: RATE_CSV_LIMIT })],
  );

  return [list, create, show, update, setGateway, removeGateway, listRates, importRates];
}

function parseRates(csv: string) {
  try {
    const rates = parseRateCsv(csv);
    if (rates.length === 0) throw new ApiError(400, 'validation_failed', 'the CSV has a header but no rates', 'body');
    return rates;
  } catch (error) {
    if (error instanceof InvalidRateFile) throw new ApiError(400, 'validation_failed', `nothing imported; the file has errors:\n${error.message}`, 'body');
    throw error;
  }
}

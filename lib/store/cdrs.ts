import { z } from 'zod';
import { isIsoCurrency } from '../domain/currency';
import { isBoundedMinor, minorUnits, type MinorUnits } from '../domain/money';
import { ratePrefixProblem } from '../domain/rate-prefix';
import { Repository, definedOnly, fromJson, int, money, oneOf, optInt, optMoney, type DbInt, type EpochMs, type JsonObject } from './rows';
import { isGuid, isId, isJsonObject, isPlain, isPlainRecord, isText, isWhole, orDefault, orNull } from './plain-input';
import { preparedRaw } from './prepared-statement';
import { isUniqueViolation } from './sql-errors';
import { currencyField, epochMsField, idField, jsonObjectField, minorField, parseInput, ratePrefixField } from './validation';

export const CDR_SOURCES = ['socket', 'json_cdr'] as const;
/** socket: written from our own event stream; json_cdr: posted by FreeSWITCH's mod_json_cdr. */
export type CdrSource = (typeof CDR_SOURCES)[number];

/** One per leg (B4). Both sources may deliver the same leg; the first one written wins. */
export interface Cdr {
  id: number;
  legUuid: string;
  requestId: string | null;
  accountId: number | null;
  direction: string;
  number: string;
  startedAt: EpochMs;
  answeredAt: EpochMs | null;
  endedAt: EpochMs | null;
  billsec: number;
  hangupCause: string | null;
  /** The price: what the payer was charged. */
  costMinor: MinorUnits;
  ratePrefix: string | null;
  /** The carrier's name (CDRs keep no references, B4); null: not dialed through a carrier. */
  carrier: string | null;
  /** What the carrier charges us, in carrierCurrency; null when unknown (no carrier, or no buy rate). */
  carrierCostMinor: MinorUnits | null;
  carrierCurrency: string | null;
  raw: JsonObject | null;
  source: CdrSource;
  createdAt: EpochMs;
}

interface CdrRow {
  id: DbInt;
  leg_uuid: string;
  request_id: string | null;
  account_id: DbInt | null;
  direction: string;
  number: string;
  started_at: DbInt;
  answered_at: DbInt | null;
  ended_at: DbInt | null;
  billsec: DbInt;
  hangup_cause: string | null;
  cost_minor: DbInt;
  rate_prefix: string | null;
  carrier: string | null;
  carrier_cost_minor: DbInt | null;
  carrier_currency: string | null;
  raw_json: string | null;
  source: string;
  created_at: DbInt;
}

const newCdrSchema = z.object({
  legUuid: z.guid(),
  requestId: z.guid().nullable().default(null),
  accountId: idField.nullable().default(null),
  direction: z.string().min(1).max(16),
  number: z.string().min(1).max(32),
  startedAt: epochMsField,
  answeredAt: epochMsField.nullable().default(null),
  endedAt: epochMsField.nullable().default(null),
  billsec: z.number().int().nonnegative().default(0),
  hangupCause: z.string().max(64).nullable().default(null),
  costMinor: minorField.default(minorUnits(0)),
  ratePrefix: ratePrefixField.nullable().default(null),
  carrier: z.string().min(1).max(64).nullable().default(null),
  carrierCostMinor: minorField.nullable().default(null),
  carrierCurrency: currencyField.nullable().default(null),
  raw: jsonObjectField.nullable().default(null),
  source: z.enum(CDR_SOURCES),
});
export type NewCdr = z.input<typeof newCdrSchema>;

// The fields the plain check knows, listed, not taken from the schema: a field added to the schema goes to zod until the plain check learns it.
const NEW_CDR_KEYS = new Set([
  'legUuid',
  'requestId',
  'accountId',
  'direction',
  'number',
  'startedAt',
  'answeredAt',
  'endedAt',
  'billsec',
  'hangupCause',
  'costMinor',
  'ratePrefix',
  'carrier',
  'carrierCostMinor',
  'carrierCurrency',
  'raw',
  'source',
]);
const isSource = (value: unknown): value is CdrSource => value === 'socket' || value === 'json_cdr';
const isRatePrefix = (value: unknown): value is string => typeof value === 'string' && ratePrefixProblem(value) === null;
const isHangupCause = (value: unknown): value is string => isText(value, 0, 64);
const isCarrier = (value: unknown): value is string => isText(value, 1, 64);

/** newCdrSchema's answer for a CDR whose fields are all plainly valid, without zod (plain-input.ts). */
function plainNewCdr(input: unknown): z.output<typeof newCdrSchema> | undefined {
  if (!isPlainRecord(input, NEW_CDR_KEYS)) return undefined;
  const { legUuid, direction, number, startedAt, source } = input;
  if (!isGuid(legUuid) || !isText(direction, 1, 16) || !isText(number, 1, 32) || !isWhole(startedAt) || !isSource(source)) return undefined;
  const requestId = orNull(input.requestId, isGuid);
  const accountId = orNull(input.accountId, isId);
  const answeredAt = orNull(input.answeredAt, isWhole);
  const endedAt = orNull(input.endedAt, isWhole);
  const billsec = orDefault(input.billsec, 0, isWhole);
  const hangupCause = orNull(input.hangupCause, isHangupCause);
  const costMinor = orDefault(input.costMinor, minorUnits(0), isBoundedMinor);
  const ratePrefix = orNull(input.ratePrefix, isRatePrefix);
  const carrier = orNull(input.carrier, isCarrier);
  const carrierCostMinor = orNull(input.carrierCostMinor, isBoundedMinor);
  const carrierCurrency = orNull(input.carrierCurrency, isIsoCurrency);
  const raw = orNull(input.raw, isJsonObject);
  if (
    !isPlain(requestId) ||
    !isPlain(accountId) ||
    !isPlain(answeredAt) ||
    !isPlain(endedAt) ||
    !isPlain(billsec) ||
    !isPlain(hangupCause) ||
    !isPlain(costMinor) ||
    !isPlain(ratePrefix) ||
    !isPlain(carrier) ||
    !isPlain(carrierCostMinor) ||
    !isPlain(carrierCurrency) ||
    !isPlain(raw)
  ) {
    return undefined;
  }
  return { legUuid, requestId, accountId, direction, number, startedAt, answeredAt, endedAt, billsec, hangupCause, costMinor, ratePrefix, carrier, carrierCostMinor, carrierCurrency, raw, source };
}

/** The hot write's schema with its plain check, for the test that compares them (spec/store/plain-input.test.ts). */
export const CDR_INPUT_CHECKS = [{ what: 'CDR', schema: newCdrSchema, plain: plainNewCdr }] as const;

const correctedSchema = z.object({
  answeredAt: epochMsField.nullable(),
  endedAt: epochMsField,
  billsec: z.number().int().nonnegative(),
  hangupCause: z.string().max(64),
  costMinor: minorField,
  carrierCostMinor: minorField.nullable().optional(),
  raw: jsonObjectField,
});
export type CorrectedFigures = z.input<typeof correctedSchema>;

export interface CdrQuery {
  accountId?: number;
  /** started_at >= from */
  from?: EpochMs;
  /** started_at < to */
  to?: EpochMs;
  limit?: number;
}

function toCdr(row: CdrRow): Cdr {
  return {
    id: int(row.id),
    legUuid: row.leg_uuid,
    requestId: row.request_id,
    accountId: optInt(row.account_id),
    direction: row.direction,
    number: row.number,
    startedAt: int(row.started_at),
    answeredAt: optInt(row.answered_at),
    endedAt: optInt(row.ended_at),
    billsec: int(row.billsec),
    hangupCause: row.hangup_cause,
    costMinor: money(row.cost_minor),
    ratePrefix: row.rate_prefix,
    carrier: row.carrier,
    carrierCostMinor: optMoney(row.carrier_cost_minor),
    carrierCurrency: row.carrier_currency,
    raw: row.raw_json === null ? null : fromJson(row.raw_json),
    source: oneOf(CDR_SOURCES, row.source),
    createdAt: int(row.created_at),
  };
}

export class CdrsRepository extends Repository {
  /** Returns false, writing nothing, when the leg already has a CDR: replays are harmless. */
  async insert(input: NewCdr): Promise<boolean> {
    const cdr = parseInput(newCdrSchema, input, 'CDR', plainNewCdr);
    try {
      const row = {
        leg_uuid: cdr.legUuid,
        request_id: cdr.requestId,
        account_id: cdr.accountId,
        direction: cdr.direction,
        number: cdr.number,
        started_at: cdr.startedAt,
        answered_at: cdr.answeredAt,
        ended_at: cdr.endedAt,
        billsec: cdr.billsec,
        hangup_cause: cdr.hangupCause,
        cost_minor: cdr.costMinor,
        rate_prefix: cdr.ratePrefix,
        carrier: cdr.carrier,
        carrier_cost_minor: cdr.carrierCostMinor,
        carrier_currency: cdr.carrierCurrency,
        raw_json: cdr.raw === null ? null : JSON.stringify(cdr.raw),
        source: cdr.source,
        created_at: this.clock(),
      };
      // Its id is never read: a pipelined transaction may send it later, expecting its one row.
      await preparedRaw(this.db, 'cdrs.insert', { row }, (db, values) => db('cdrs').insert(values.row), 1);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Replaces an estimated leg's figures with FreeSWITCH's (B4: the money moved with a billing
   * adjustment in the same transaction). False when the leg has no CDR.
   */
  async correct(legUuid: string, figures: CorrectedFigures): Promise<boolean> {
    const value = parseInput(correctedSchema, figures, 'CDR correction');
    const changed = await this.db('cdrs')
      .where({ leg_uuid: legUuid })
      .update({
        answered_at: value.answeredAt,
        ended_at: value.endedAt,
        billsec: value.billsec,
        hangup_cause: value.hangupCause,
        cost_minor: value.costMinor,
        ...definedOnly({ carrier_cost_minor: value.carrierCostMinor }),
        raw_json: JSON.stringify(value.raw),
      });
    return changed > 0;
  }

  async findByLegUuid(legUuid: string): Promise<Cdr | null> {
    const row = await this.db<CdrRow>('cdrs').where({ leg_uuid: legUuid }).first();
    return row ? toCdr(row) : null;
  }

  async listForRequest(requestId: string): Promise<Cdr[]> {
    return (await this.db<CdrRow>('cdrs').where({ request_id: requestId }).orderBy('started_at')).map(toCdr);
  }

  /** Oldest first within the period, for history pages and exports. */
  async list(query: CdrQuery = {}): Promise<Cdr[]> {
    const builder = this.db<CdrRow>('cdrs').orderBy([{ column: 'started_at' }, { column: 'id' }]).limit(query.limit ?? 1000);
    if (query.accountId !== undefined) builder.where({ account_id: query.accountId });
    if (query.from !== undefined) builder.where('started_at', '>=', query.from);
    if (query.to !== undefined) builder.where('started_at', '<', query.to);
    return (await builder).map(toCdr);
  }
}

import { z } from 'zod';
import { parseExtensionTarget } from '../domain/call-endpoint';
import { isBoundedMinor, type MinorUnits } from '../domain/money';
import { Repository, definedOnly, int, oneOf, optInt, optMoney, type DbInt, type EpochMs } from './rows';
import { columnsOf, preparedInsert, preparedUpdate } from './prepared-statement';
import { absentOr, absentOrNull, isGuid, isId, isPlain, isPlainRecord, isText, isWhole, isWholeFrom, orDefault, orNull } from './plain-input';
import { epochMsField, idField, minorField, parseInput } from './validation';

export const LEG_ROLES = ['A', 'B', 'C'] as const;
/** A calls the subscriber, B the destination, C a third party (D1, D6). */
export type LegRole = (typeof LEG_ROLES)[number];

export interface Leg {
  id: number;
  /** The FreeSWITCH channel uuid, chosen by us at originate time. */
  uuid: string;
  requestId: string;
  role: LegRole;
  attempt: number;
  node: string | null;
  /** E.164, or an extension for call_extension. */
  number: string;
  callerId: string | null;
  /** W3 live status, defined by the engine (queued, dialing, ringing, answered, bridged, …). */
  state: string;
  createdAt: EpochMs;
  answeredAt: EpochMs | null;
  endedAt: EpochMs | null;
  hangupCause: string | null;
  billsec: number | null;
  /** The price: what the payer is charged for the leg. */
  costMinor: MinorUnits | null;
  reservedMinor: MinorUnits | null;
  /** The carrier the leg went out through (null: dialed before carriers, or not through one). */
  carrierId: number | null;
  /** What the carrier charges us for the leg, in the carrier's currency. */
  carrierCostMinor: MinorUnits | null;
  updatedAt: EpochMs;
}

interface LegRow {
  id: DbInt;
  uuid: string;
  request_id: string;
  role: string;
  attempt: DbInt;
  node: string | null;
  number: string;
  caller_id: string | null;
  state: string;
  created_at: DbInt;
  answered_at: DbInt | null;
  ended_at: DbInt | null;
  hangup_cause: string | null;
  billsec: DbInt | null;
  cost_minor: DbInt | null;
  reserved_minor: DbInt | null;
  carrier_id: DbInt | null;
  carrier_cost_minor: DbInt | null;
  updated_at: DbInt;
}

const DIALABLE_NUMBER = /^\+?[0-9]{1,20}$/;
const dialable = z
  .string()
  .max(32)
  .refine((text) => DIALABLE_NUMBER.test(text) || parseExtensionTarget(text) !== null, 'must be a number, or an extension of digits optionally @ a domain');

const newLegSchema = z.object({
  uuid: z.guid(),
  requestId: z.guid(),
  role: z.enum(LEG_ROLES),
  attempt: z.number().int().positive().default(1),
  node: z.string().max(64).nullable().default(null),
  number: dialable,
  callerId: z.string().max(32).nullable().default(null),
  state: z.string().min(1).max(32).default('queued'),
  reservedMinor: minorField.nullable().default(null),
  carrierId: idField.nullable().default(null),
});
export type NewLeg = z.input<typeof newLegSchema>;

const legPatchSchema = z.object({
  node: z.string().max(64).nullable(),
  callerId: z.string().max(32).nullable(),
  state: z.string().min(1).max(32),
  answeredAt: epochMsField.nullable(),
  endedAt: epochMsField.nullable(),
  hangupCause: z.string().max(64).nullable(),
  billsec: z.number().int().nonnegative().nullable(),
  costMinor: minorField.nullable(),
  reservedMinor: minorField.nullable(),
  carrierId: idField.nullable(),
  carrierCostMinor: minorField.nullable(),
}).partial();
export type LegPatch = z.input<typeof legPatchSchema>;

// The fields the plain checks know, listed, not taken from the schemas: a field added to a schema goes to zod until its plain check learns it.
const NEW_LEG_KEYS = new Set(['uuid', 'requestId', 'role', 'attempt', 'node', 'number', 'callerId', 'state', 'reservedMinor', 'carrierId']);
const LEG_PATCH_KEYS = new Set(['node', 'callerId', 'state', 'answeredAt', 'endedAt', 'hangupCause', 'billsec', 'costMinor', 'reservedMinor', 'carrierId', 'carrierCostMinor']);
const isRole = (value: unknown): value is LegRole => value === 'A' || value === 'B' || value === 'C';
const isNumberDialed = (value: unknown): value is string => typeof value === 'string' && DIALABLE_NUMBER.test(value);
const isNode = (value: unknown): value is string => isText(value, 0, 64);
const isCallerId = (value: unknown): value is string => isText(value, 0, 32);
const isState = (value: unknown): value is string => isText(value, 1, 32);
const isAttempt = (value: unknown): value is number => isWholeFrom(value, 1);
const isHangupCause = (value: unknown): value is string => isText(value, 0, 64);

/** newLegSchema's answer for a leg the engine dials (a number, not an extension), without zod (plain-input.ts). */
function plainNewLeg(input: unknown): z.output<typeof newLegSchema> | undefined {
  if (!isPlainRecord(input, NEW_LEG_KEYS) || !isGuid(input.uuid) || !isGuid(input.requestId) || !isRole(input.role) || !isNumberDialed(input.number)) return undefined;
  const attempt = orDefault(input.attempt, 1, isAttempt);
  const node = orNull(input.node, isNode);
  const callerId = orNull(input.callerId, isCallerId);
  const state = orDefault(input.state, 'queued', isState);
  const reservedMinor = orNull(input.reservedMinor, isBoundedMinor);
  const carrierId = orNull(input.carrierId, isId);
  if (!isPlain(attempt) || !isPlain(node) || !isPlain(callerId) || !isPlain(state) || !isPlain(reservedMinor) || !isPlain(carrierId)) return undefined;
  return { uuid: input.uuid, requestId: input.requestId, role: input.role, attempt, node, number: input.number, callerId, state, reservedMinor, carrierId };
}

/** legPatchSchema's answer for a patch whose fields are all plainly valid, without zod (plain-input.ts): the patch itself. */
function plainLegPatch(input: unknown): z.output<typeof legPatchSchema> | undefined {
  if (!isPlainRecord(input, LEG_PATCH_KEYS)) return undefined;
  const fields = [
    absentOrNull(input.node, isNode),
    absentOrNull(input.callerId, isCallerId),
    absentOr(input.state, isState),
    absentOrNull(input.answeredAt, isWhole),
    absentOrNull(input.endedAt, isWhole),
    absentOrNull(input.hangupCause, isHangupCause),
    absentOrNull(input.billsec, isWhole),
    absentOrNull(input.costMinor, isBoundedMinor),
    absentOrNull(input.reservedMinor, isBoundedMinor),
    absentOrNull(input.carrierId, isId),
    absentOrNull(input.carrierCostMinor, isBoundedMinor),
  ];
  return fields.every(isPlain) ? (input as z.output<typeof legPatchSchema>) : undefined;
}

const legAnswerSchema = z.object({ uuid: z.string().min(1), answeredAt: epochMsField });
const LEG_ANSWER_KEYS = new Set(['uuid', 'answeredAt']);

/** legAnswerSchema's answer for the bridged legs' mark (once per callback), without zod (plain-input.ts). */
function plainLegAnswer(input: unknown): z.output<typeof legAnswerSchema> | undefined {
  if (!isPlainRecord(input, LEG_ANSWER_KEYS) || !isText(input.uuid, 1, Number.MAX_SAFE_INTEGER) || !isWhole(input.answeredAt)) return undefined;
  return { uuid: input.uuid, answeredAt: input.answeredAt };
}

/** Each hot write's schema with its plain check, for the test that compares them (spec/store/plain-input.test.ts). */
export const LEG_INPUT_CHECKS = [
  { what: 'leg', schema: newLegSchema, plain: plainNewLeg },
  { what: 'leg change', schema: legPatchSchema, plain: plainLegPatch },
  { what: 'leg answer', schema: legAnswerSchema, plain: plainLegAnswer },
] as const;

function toLeg(row: LegRow): Leg {
  return {
    id: int(row.id),
    uuid: row.uuid,
    requestId: row.request_id,
    role: oneOf(LEG_ROLES, row.role),
    attempt: int(row.attempt),
    node: row.node,
    number: row.number,
    callerId: row.caller_id,
    state: row.state,
    createdAt: int(row.created_at),
    answeredAt: optInt(row.answered_at),
    endedAt: optInt(row.ended_at),
    hangupCause: row.hangup_cause,
    billsec: optInt(row.billsec),
    costMinor: optMoney(row.cost_minor),
    reservedMinor: optMoney(row.reserved_minor),
    carrierId: optInt(row.carrier_id),
    carrierCostMinor: optMoney(row.carrier_cost_minor),
    updatedAt: int(row.updated_at),
  };
}

export class LegsRepository extends Repository {
  async create(input: NewLeg): Promise<Leg> {
    const leg = parseInput(newLegSchema, input, 'leg', plainNewLeg);
    const now = this.clock();
    const row: Omit<LegRow, 'id'> = {
      uuid: leg.uuid,
      request_id: leg.requestId,
      role: leg.role,
      attempt: leg.attempt,
      node: leg.node,
      number: leg.number,
      caller_id: leg.callerId,
      state: leg.state,
      answered_at: null,
      ended_at: null,
      hangup_cause: null,
      billsec: null,
      cost_minor: null,
      reserved_minor: leg.reservedMinor,
      carrier_id: leg.carrierId,
      carrier_cost_minor: null,
      created_at: now,
      updated_at: now,
    };
    const id = await this.writing('leg', () => preparedInsert(this.db, 'legs.insert', { row: columnsOf(row) }, (db, values) => db('legs').insert(values.row)));
    // Every column is what was just written: no read back (one statement less per leg dialed).
    return toLeg({ ...row, id });
  }

  async findByUuid(uuid: string): Promise<Leg | null> {
    const row = await this.db<LegRow>('legs').where({ uuid }).first();
    return row ? toLeg(row) : null;
  }

  /** In the order they were created. */
  async listForRequest(requestId: string): Promise<Leg[]> {
    return (await this.db<LegRow>('legs').where({ request_id: requestId }).orderBy('id')).map(toLeg);
  }

  /** Legs that never recorded an end: after a restart, these are checked against FreeSWITCH. */
  async listUnended(options: { node?: string } = {}): Promise<Leg[]> {
    const query = this.db<LegRow>('legs').whereNull('ended_at').orderBy('id');
    if (options.node !== undefined) query.where({ node: options.node });
    return (await query).map(toLeg);
  }

  async update(uuid: string, patch: LegPatch): Promise<boolean> {
    return (await this.updateEach([uuid], patch)) > 0;
  }

  /**
   * A talk's legs to `bridged` in one statement, with the answer of the one leg whose answer is
   * written with its bridge (`answered`: the answer the bridge follows at once); how many rows changed.
   */
  async markBridged(uuids: readonly string[], answered: { readonly uuid: string; readonly answeredAt: EpochMs } | undefined): Promise<number> {
    if (!answered) return this.updateEach(uuids, { state: 'bridged' });
    if (uuids.length === 0) return 0;
    const answer = parseInput(legAnswerSchema, answered, 'leg answer', plainLegAnswer);
    return this.writing('leg change', () =>
      preparedUpdate(this.db, 'legs.markBridged', { set: { state: 'bridged', updated_at: this.clock() }, answer: { uuid: answer.uuid, at: answer.answeredAt }, where: { uuid: [...uuids] } }, (db, values) =>
        db('legs')
          .whereIn('uuid', values.where.uuid)
          .update({ ...values.set, answered_at: db.raw('case when uuid = ? then ? else answered_at end', [values.answer.uuid, values.answer.at]) }),
        uuids.length,
      ),
    );
  }

  /** The same change of several legs' rows in one statement (a talk's two legs bridged); how many rows changed. */
  async updateEach(uuids: readonly string[], patch: LegPatch): Promise<number> {
    if (uuids.length === 0) return 0;
    const value = parseInput(legPatchSchema, patch, 'leg change', plainLegPatch);
    const set = {
      ...definedOnly({
        node: value.node,
        caller_id: value.callerId,
        state: value.state,
        answered_at: value.answeredAt,
        ended_at: value.endedAt,
        hangup_cause: value.hangupCause,
        billsec: value.billsec,
        cost_minor: value.costMinor,
        reserved_minor: value.reservedMinor,
        carrier_id: value.carrierId,
        carrier_cost_minor: value.carrierCostMinor,
      }),
      updated_at: this.clock(),
    };
    // Every mark and settlement of every leg: built by knex once per set of columns and number of legs.
    return this.writing('leg change', () =>
      preparedUpdate(this.db, 'legs.update', { set, where: { uuid: [...uuids] } }, (db, values) => db('legs').whereIn('uuid', values.where.uuid).update(values.set), uuids.length),
    );
  }
}

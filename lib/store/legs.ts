import { z } from 'zod';
import { parseExtensionTarget } from '../domain/call-endpoint';
import type { MinorUnits } from '../domain/money';
import { Repository, definedOnly, int, oneOf, optInt, optMoney, type DbInt, type EpochMs } from './rows';
import { columnsOf, preparedInsert, preparedUpdate } from './prepared-statement';
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

const dialable = z
  .string()
  .max(32)
  .refine((text) => /^\+?[0-9]{1,20}$/.test(text) || parseExtensionTarget(text) !== null, 'must be a number, or an extension of digits optionally @ a domain');

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

const legAnswerSchema = z.object({ uuid: z.string().min(1), answeredAt: epochMsField });

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
    const leg = parseInput(newLegSchema, input, 'leg');
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
    const answer = parseInput(legAnswerSchema, answered, 'leg answer');
    return this.writing('leg change', () =>
      preparedUpdate(this.db, 'legs.markBridged', { set: { state: 'bridged', updated_at: this.clock() }, answer: { uuid: answer.uuid, at: answer.answeredAt }, where: { uuid: [...uuids] } }, (db, values) =>
        db('legs')
          .whereIn('uuid', values.where.uuid)
          .update({ ...values.set, answered_at: db.raw('case when uuid = ? then ? else answered_at end', [values.answer.uuid, values.answer.at]) }),
      ),
    );
  }

  /** The same change of several legs' rows in one statement (a talk's two legs bridged); how many rows changed. */
  async updateEach(uuids: readonly string[], patch: LegPatch): Promise<number> {
    if (uuids.length === 0) return 0;
    const value = parseInput(legPatchSchema, patch, 'leg change');
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
      preparedUpdate(this.db, 'legs.update', { set, where: { uuid: [...uuids] } }, (db, values) => db('legs').whereIn('uuid', values.where.uuid).update(values.set)),
    );
  }
}

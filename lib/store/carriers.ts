import type { Knex } from 'knex';
import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { Repository, bool, definedOnly, insertedId, int, oneOf, optE164, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { preparedRows } from './prepared-statement';
import { notePriceBookWrite } from './price-book-changes';
import { isMysql } from './schema';
import { isUniqueViolation } from './sql-errors';
import type { RateTerms } from './tariffs-rates';
import { StoreConflict, currencyField, e164Field, idField, parseInput } from './validation';

export const CALLER_ID_MODES = ['pass', 'fixed', 'anonymous'] as const;
/** pass: the leg's own caller ID; fixed: callerIdNumber on every leg; anonymous: withheld. */
export type CallerIdMode = (typeof CALLER_ID_MODES)[number];

/** A gateway row naming this node applies to every node that has no row of its own. */
export const EVERY_NODE = '*';

export const CARRIER_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** The dial-string builder's alphabet (lib/esl/dial-string.ts): nothing that adds a leg or a variable. */
export const GATEWAY_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** freeswitch.nodes[].name, or `*`. */
const NODE_PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

export interface CarrierGateway {
  /** A `freeswitch.nodes[].name`, or `*` for every node. */
  node: string;
  /** The sofia gateway's name on that node. */
  gateway: string;
}

export interface Carrier {
  id: number;
  name: string;
  /** Buy rates and the costs rated with them are in this currency. */
  currency: string;
  /** Digits put before the number, after stripDigits leading digits of its E.164 digits are removed. */
  dialPrefix: string;
  stripDigits: number;
  callerIdMode: CallerIdMode;
  /** Set (and required) for the fixed mode. */
  callerIdNumber: E164 | null;
  /** null: unlimited. */
  maxChannels: number | null;
  /** null: unlimited. */
  maxCps: number | null;
  /** Lower first. */
  priority: number;
  /** Share among carriers of the same priority, at least 1. */
  weight: number;
  enabled: boolean;
  gateways: ReadonlyArray<CarrierGateway>;
}

/** A carrier's buy rate: the same terms as a sell rate (lib/store/tariffs-rates.ts), from a given instant. */
export interface BuyRate extends RateTerms {
  carrierId: number;
  /** The rate is in force from this instant until a row for the same prefix with a later one. */
  effectiveFrom: EpochMs;
}

interface CarrierRow {
  id: DbInt;
  name: string;
  currency: string;
  dial_prefix: string;
  strip_digits: DbInt;
  caller_id_mode: string;
  caller_id_number: string | null;
  max_channels: DbInt | null;
  max_cps: DbInt | null;
  priority: DbInt;
  weight: DbInt;
  enabled: DbBool;
}

interface GatewayRow {
  carrier_id: DbInt;
  node: string;
  gateway: string;
}

const limitField = z.number().int().min(1).max(100_000).nullable();

const carrierFields = z.object({
  name: z.string().regex(CARRIER_NAME_PATTERN, 'must be 1-64 letters, digits, _ . -'),
  currency: currencyField,
  dialPrefix: z.string().regex(/^[0-9]{0,16}$/, 'must be at most 16 digits'),
  stripDigits: z.number().int().min(0).max(15),
  callerIdMode: z.enum(CALLER_ID_MODES),
  callerIdNumber: e164Field.nullable(),
  maxChannels: limitField,
  maxCps: limitField,
  priority: z.number().int().min(0).max(1_000_000),
  weight: z.number().int().min(1).max(1_000_000),
  enabled: z.boolean(),
});
type CarrierFields = z.output<typeof carrierFields>;

/** The fixed mode needs a number, and no other mode takes one (it would be silently ignored). */
function checkCallerId(fields: CarrierFields, ctx: z.RefinementCtx): void {
  if (fields.callerIdMode === 'fixed' && fields.callerIdNumber === null) {
    ctx.addIssue({ code: 'custom', path: ['callerIdNumber'], message: 'an E.164 caller ID number is required when callerIdMode is fixed' });
  }
  if (fields.callerIdMode !== 'fixed' && fields.callerIdNumber !== null) {
    ctx.addIssue({ code: 'custom', path: ['callerIdNumber'], message: `a caller ID number is only used when callerIdMode is fixed, not ${fields.callerIdMode}` });
  }
}

const newCarrierSchema = carrierFields
  .extend({
    currency: currencyField.default('USD'),
    dialPrefix: carrierFields.shape.dialPrefix.default(''),
    stripDigits: carrierFields.shape.stripDigits.default(0),
    callerIdMode: carrierFields.shape.callerIdMode.default('pass'),
    callerIdNumber: carrierFields.shape.callerIdNumber.default(null),
    maxChannels: limitField.default(null),
    maxCps: limitField.default(null),
    priority: carrierFields.shape.priority.default(100),
    weight: carrierFields.shape.weight.default(1),
    enabled: z.boolean().default(true),
  })
  .superRefine(checkCallerId);
export type NewCarrier = z.input<typeof newCarrierSchema>;

const carrierPatchSchema = carrierFields.partial();
export type CarrierPatch = z.input<typeof carrierPatchSchema>;

const gatewaySchema = z.object({
  node: z.string().regex(NODE_PATTERN, 'must be a FreeSWITCH node name (letters, digits, _ and -) or * for every node'),
  gateway: z.string().regex(GATEWAY_NAME_PATTERN, 'a gateway name is 1-64 letters, digits, _ . -'),
});

function toColumns(fields: Partial<CarrierFields>): Record<string, unknown> {
  return definedOnly({
    name: fields.name,
    currency: fields.currency,
    dial_prefix: fields.dialPrefix,
    strip_digits: fields.stripDigits,
    caller_id_mode: fields.callerIdMode,
    caller_id_number: fields.callerIdNumber,
    max_channels: fields.maxChannels,
    max_cps: fields.maxCps,
    priority: fields.priority,
    weight: fields.weight,
    enabled: fields.enabled,
  });
}

function toCarrier(row: CarrierRow, gateways: readonly GatewayRow[]): Carrier {
  return {
    id: int(row.id),
    name: row.name,
    currency: row.currency,
    dialPrefix: row.dial_prefix,
    stripDigits: int(row.strip_digits),
    callerIdMode: oneOf(CALLER_ID_MODES, row.caller_id_mode),
    callerIdNumber: optE164(row.caller_id_number),
    maxChannels: optInt(row.max_channels),
    maxCps: optInt(row.max_cps),
    priority: int(row.priority),
    weight: int(row.weight),
    enabled: bool(row.enabled),
    gateways: gateways.map((gateway) => ({ node: gateway.node, gateway: gateway.gateway })),
  };
}

/** Carriers and the gateway each is reached through on each node (issue #17). */
export class CarriersRepository extends Repository {
  async create(input: NewCarrier): Promise<Carrier> {
    const carrier = parseInput(newCarrierSchema, input, 'carrier');
    const now = this.clock();
    try {
      const id = insertedId(await this.db('carriers').insert({ ...toColumns(carrier), created_at: now, updated_at: now }));
      notePriceBookWrite(this.db);
      return written(await this.get(id), `carrier ${id}`);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`carrier ${carrier.name} already exists`);
      throw error;
    }
  }

  /** Null when there is no such carrier. The caller-ID rule is checked on the carrier as it would become. */
  async update(id: number, patch: CarrierPatch): Promise<Carrier | null> {
    const value = parseInput(carrierPatchSchema, patch, 'carrier change');
    try {
      const changed = await this.atomically(async (trx) => {
        const query = trx<CarrierRow>('carriers').where({ id });
        if (isMysql(trx)) query.forUpdate();
        const current = await query.first();
        if (!current) return false;
        const merged = { ...toCarrier(current, []), ...definedOnly(value) };
        parseInput(carrierFields.superRefine(checkCallerId), { ...merged, gateways: undefined }, 'carrier change');
        await trx('carriers').where({ id }).update({ ...toColumns(value), updated_at: this.clock() });
        return true;
      });
      if (changed) notePriceBookWrite(this.db);
      return changed ? this.get(id) : null;
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`carrier ${value.name ?? id} already exists`);
      throw error;
    }
  }

  async disable(id: number): Promise<Carrier | null> {
    return this.update(id, { enabled: false });
  }

  async enable(id: number): Promise<Carrier | null> {
    return this.update(id, { enabled: true });
  }

  async get(id: number): Promise<Carrier | null> {
    const [carrier] = await this.withGateways(this.db<CarrierRow>('carriers').where({ id }));
    return carrier ?? null;
  }

  /** The carrier's name and currency only: what a leg's settlement records, without its gateways. */
  async billingIdentity(id: number): Promise<Pick<Carrier, 'id' | 'name' | 'currency'> | null> {
    const [row] = await preparedRows<Pick<CarrierRow, 'id' | 'name' | 'currency'>, { where: { id: number } }>(this.db, 'carriers.billingIdentity', { where: { id } }, (db, values) =>
      db('carriers').where(values.where).select('id', 'name', 'currency'),
    );
    return row ? { id: int(row.id), name: row.name, currency: row.currency } : null;
  }

  async getByName(name: string): Promise<Carrier | null> {
    const [carrier] = await this.withGateways(this.db<CarrierRow>('carriers').where({ name }));
    return carrier ?? null;
  }

  /** By name. */
  async list(): Promise<Carrier[]> {
    return this.withGateways(this.db<CarrierRow>('carriers').orderBy('name'));
  }

  /** What a router may dial: enabled carriers with at least one gateway, by priority then name. */
  async listEnabledWithGateways(): Promise<Carrier[]> {
    const query = this.db<CarrierRow>('carriers')
      .where({ enabled: true })
      .whereExists((sub) => sub.select(this.db.raw('1')).from('carrier_gateways as g').whereRaw('g.carrier_id = carriers.id'))
      .orderBy([{ column: 'priority' }, { column: 'name' }]);
    return this.withGateways(query);
  }

  /** Sets (or replaces) the carrier's gateway on one node, or on every node with `*`. */
  async setGateway(carrierId: number, gateway: CarrierGateway): Promise<Carrier | null> {
    const id = parseInput(idField, carrierId, 'carrier id');
    const value = parseInput(gatewaySchema, gateway, 'carrier gateway');
    if (!(await this.get(id))) return null;
    const now = this.clock();
    await this.writing('carrier gateway', () =>
      this.db('carrier_gateways')
        .insert({ carrier_id: id, node: value.node, gateway: value.gateway, created_at: now, updated_at: now })
        .onConflict(['carrier_id', 'node'])
        .merge(['gateway', 'updated_at']),
    );
    return this.get(id);
  }

  /** False when the carrier had no gateway on that node. */
  async removeGateway(carrierId: number, node: string): Promise<boolean> {
    return (await this.db('carrier_gateways').where({ carrier_id: carrierId, node }).delete()) > 0;
  }

  private async withGateways(query: Knex.QueryBuilder<CarrierRow, CarrierRow[]>): Promise<Carrier[]> {
    const rows = await query;
    if (rows.length === 0) return [];
    const gateways = await this.db<GatewayRow>('carrier_gateways')
      .whereIn(
        'carrier_id',
        rows.map((row) => int(row.id)),
      )
      .orderBy([{ column: 'carrier_id' }, { column: 'node' }]);
    const byCarrier = new Map<number, GatewayRow[]>();
    for (const gateway of gateways) {
      const carrierId = int(gateway.carrier_id);
      byCarrier.set(carrierId, [...(byCarrier.get(carrierId) ?? []), gateway]);
    }
    return rows.map((row) => toCarrier(row, byCarrier.get(int(row.id)) ?? []));
  }
}

/** The gateway a carrier is reached through on a node: the node's own, else the `*` one, else none. */
export function gatewayOn(carrier: Pick<Carrier, 'gateways'>, node: string): string | null {
  const own = carrier.gateways.find((entry) => entry.node === node);
  return (own ?? carrier.gateways.find((entry) => entry.node === EVERY_NODE))?.gateway ?? null;
}

import { z } from 'zod';
import type { Knex } from 'knex';
import type { MinorUnits } from '../domain/money';
import { Repository, int, money, oneOf, optInt, optMoney, type DbInt, type EpochMs } from './rows';
import { columnsOf, preparedInsert, preparedRows, preparedUpdate } from './prepared-statement';
import { isMysql } from './schema';
import { asLastStatement, keepsForNextPacket } from './driver-transaction';
import { isUniqueViolation } from './sql-errors';
import { guidField, idField, nonNegativeMinorField, parseInput, positiveMinorField, StoreConflict } from './validation';

export const RESERVATION_STATES = ['held', 'settled', 'released'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** Whose money a hold sets aside: an account's (balance + credit limit) or a calling card's (its balance, A4). */
export type ReservationOwner = { readonly accountId: number } | { readonly cardId: number };

/**
 * Money set aside for a call before it is dialed (B3), so concurrent calls can never spend the
 * same balance twice. Settled with the actual cost when the leg is rated, or released unused.
 * Exactly one of accountId and cardId is set.
 */
export interface Reservation {
  id: number;
  accountId: number | null;
  cardId: number | null;
  requestId: string | null;
  legUuid: string | null;
  /** The key its writer chose before the first try (see reserveFor); null for a hold written without one. */
  holdKey: string | null;
  amountMinor: MinorUnits;
  /** What the settlement charged (for a card, never more than it had: see settle). */
  settledMinor: MinorUnits | null;
  state: ReservationState;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface ReservationRow {
  id: DbInt;
  account_id: DbInt | null;
  card_id: DbInt | null;
  request_id: string | null;
  leg_uuid: string | null;
  hold_key: string | null;
  amount_minor: DbInt;
  settled_minor: DbInt | null;
  state: string;
  created_at: DbInt;
  updated_at: DbInt;
}

const referencesSchema = z.object({
  requestId: z.guid().nullable().default(null),
  legUuid: z.guid().nullable().default(null),
  /** Makes the write idempotent: a second try with the same key returns the first one's hold (reserveFor). */
  holdKey: z.guid().nullable().default(null),
  /** No earlier try of this key ran, so nothing can be under it: the look-up (and its lock) is skipped. */
  firstTry: z.boolean().default(false),
});
export type ReservationReferences = z.input<typeof referencesSchema>;

/** One hold of a write that makes several (reserveEachFor). */
export type HoldRequest = ReservationReferences & { readonly amount: MinorUnits };

interface ParsedHold {
  readonly amount: number;
  readonly refs: z.output<typeof referencesSchema>;
}

/** A ReservationOwner on input; the ledgers that name a payer use it too. */
export const ownerField = z.union([z.strictObject({ accountId: idField }), z.strictObject({ cardId: idField })]);

function toReservation(row: ReservationRow): Reservation {
  return {
    id: int(row.id),
    accountId: optInt(row.account_id),
    cardId: optInt(row.card_id),
    requestId: row.request_id,
    legUuid: row.leg_uuid,
    holdKey: row.hold_key ?? null,
    amountMinor: money(row.amount_minor),
    settledMinor: optMoney(row.settled_minor),
    state: oneOf(RESERVATION_STATES, row.state),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

/** The account or card a reservation holds money of. */
export function reservationOwner(reservation: Pick<Reservation, 'id' | 'accountId' | 'cardId'>): ReservationOwner {
  if (reservation.cardId !== null) return { cardId: reservation.cardId };
  if (reservation.accountId !== null) return { accountId: reservation.accountId };
  throw new Error(`reservation ${reservation.id} belongs to neither an account nor a card`);
}

/** Where an owner's money and its held sum live, and what of it a new hold may take. */
interface OwnerFunds {
  readonly table: 'accounts' | 'calling_cards';
  readonly id: number;
  readonly ownerColumns: { account_id: number | null; card_id: number | null };
  /** SQL, one bound value: at least that much is left to hold. A card has no credit: its balance never goes below zero. */
  readonly availableAtLeast: string;
}

/**
 * A hold found under a key: the same hold only if it sets aside the same money of the same owner
 * for the same request and leg. Anything else is a key reused for another hold, a bug that must
 * not pass for "already written".
 */
export function isSameHold(
  found: Pick<Reservation, 'accountId' | 'cardId' | 'requestId' | 'legUuid' | 'amountMinor'>,
  owner: ReservationOwner,
  amount: number,
  references: { readonly requestId: string | null; readonly legUuid: string | null },
): boolean {
  const ownerMatches = 'cardId' in owner ? found.cardId === owner.cardId && found.accountId === null : found.accountId === owner.accountId && found.cardId === null;
  return ownerMatches && found.amountMinor === amount && found.requestId === references.requestId && found.legUuid === references.legUuid;
}

/**
 * Two tries of one keyed hold overlapped on the server (the first one's answer was lost, yet it
 * committed while the second ran): the unique key refused the second. The caller's unit (a
 * transaction it opened) has to run again; its next try finds the hold.
 */
export class HoldKeyRace extends Error {
  constructor(readonly holdKey: string) {
    super(`hold ${holdKey} was written by an earlier try meanwhile`);
    this.name = 'HoldKeyRace';
  }
}

function fundsOf(owner: ReservationOwner): OwnerFunds {
  if ('cardId' in owner) {
    return { table: 'calling_cards', id: owner.cardId, ownerColumns: { account_id: null, card_id: owner.cardId }, availableAtLeast: 'balance_minor - reserved_minor >= ?' };
  }
  return {
    table: 'accounts',
    id: owner.accountId,
    ownerColumns: { account_id: owner.accountId, card_id: null },
    availableAtLeast: 'balance_minor + credit_limit_minor - reserved_minor >= ?',
  };
}

export class ReservationsRepository extends Repository {
  /**
   * Holds `amount` against the account, or returns null when balance + credit limit − already
   * held would go below zero. The check and the hold are one conditional UPDATE, which the
   * database serialises per account row, so no interleaving of concurrent callers can overrun.
   */
  reserve(accountId: number, amount: MinorUnits, references: ReservationReferences = {}): Promise<Reservation | null> {
    return this.reserveFor({ accountId }, amount, references);
  }

  /**
   * Holds `amount` of an account's or a card's money, or returns null when it is not there (an
   * account: balance + credit limit − held; a card: balance − held). One conditional UPDATE of
   * the owner's row decides, so concurrent holds on one owner can never overrun it.
   *
   * With `holdKey` the write may be tried again after an answer was lost (the database went away
   * around the commit): a hold already under that key is this one, returned as it is, and nothing
   * is held twice. The owner's row is taken first, as in every hold and settlement, so the look-up
   * waits for a try still committing; the unique key catches the rest (HoldKeyRace inside a
   * caller's transaction; on its own, the hold is looked up once more in a new transaction).
   */
  async reserveFor(owner: ReservationOwner, amount: MinorUnits, references: ReservationReferences = {}): Promise<Reservation | null> {
    const holds = await this.reserveEachFor(owner, [{ amount, ...references }]);
    return holds ? holds[0]! : null;
  }

  /**
   * Several holds of one owner (simultaneous mode: legs A and B of one payer) as one write: one
   * conditional UPDATE for their sum, so all of them are held or none (null), then one INSERT
   * each. Keyed like reserveFor: a retry finds all the holds already written and returns them;
   * finding only some of them is a conflict (one write makes all of them or none).
   *
   * One INSERT per hold, not one of many rows: a multi-row INSERT reports one id, and which ids
   * its other rows got depends on the dialect and, on MariaDB, on `innodb_autoinc_lock_mode`.
   *
   * The last INSERT carries the transaction's COMMIT (`asLastStatement`, a round trip less on
   * MariaDB) when the write is a transaction of its own, or when the caller's transaction ends
   * with it (`endsTransaction`: the caller sends nothing after it and lets its failure fail the
   * transaction).
   */
  async reserveEachFor(owner: ReservationOwner, holds: ReadonlyArray<HoldRequest>, options: { readonly endsTransaction?: boolean } = {}): Promise<Reservation[] | null> {
    const parsedOwner = parseInput(ownerField, owner, 'reservation owner');
    if (holds.length === 0) throw new StoreConflict('a hold write needs at least one hold');
    const parsed = holds.map(({ amount, ...references }) => ({
      amount: parseInput(positiveMinorField, amount, 'reservation amount'),
      refs: parseInput(referencesSchema, references, 'reservation references'),
    }));
    const key = parsed.find(({ refs }) => refs.holdKey !== null)?.refs.holdKey;
    const endsTransaction = !this.db.isTransaction || options.endsTransaction === true;
    if (key === undefined || key === null) return this.hold(parsedOwner, parsed, endsTransaction);
    try {
      return await this.hold(parsedOwner, parsed, endsTransaction);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (this.db.isTransaction) throw new HoldKeyRace(key);
      // The other try has committed by now (the key is there): a new transaction sees its holds.
      return this.hold(parsedOwner, parsed.map(({ amount, refs }) => ({ amount, refs: { ...refs, firstTry: false } })), true);
    }
  }

  private hold(owner: ReservationOwner, holds: ReadonlyArray<ParsedHold>, endsTransaction: boolean): Promise<Reservation[] | null> {
    const funds = fundsOf(owner);
    return this.atomically(async (trx) => {
      const now = this.clock();
      if (holds.some(({ refs }) => refs.holdKey !== null && !refs.firstTry)) {
        const found = await findWritten(trx, funds, owner, holds);
        if (found) return found;
      }
      const hold = holds.reduce((sum, { amount }) => sum + amount, 0);
      // The amount twice (compared, then added): a part each, as every value is used once.
      const held = await preparedUpdate(trx, `${funds.table}.hold`, { where: { id: funds.id }, available: { hold }, add: { hold }, set: { updated_at: now } }, (db, values) =>
        db(funds.table)
          .where(values.where)
          .andWhereRaw(funds.availableAtLeast, [values.available.hold])
          .update({ reserved_minor: db.raw('reserved_minor + ?', [values.add.hold]), updated_at: values.set.updated_at }),
        1,
      );
      if (held === 0) return null;
      // Pipelined (MariaDB), every INSERT but the last is kept and sent in one packet with the last
      // (with the COMMIT when it carries it), its id read from that packet's answer: a round trip
      // less per write of several holds. Elsewhere each INSERT is answered before the next is sent,
      // so that a failed one (a hold key's race) stops the write before its COMMIT.
      const together = keepsForNextPacket(trx);
      const rows = holds.map(({ amount, refs }): Omit<ReservationRow, 'id'> => ({
        ...funds.ownerColumns,
        request_id: refs.requestId,
        leg_uuid: refs.legUuid,
        hold_key: refs.holdKey,
        amount_minor: amount,
        settled_minor: null,
        state: 'held',
        created_at: now,
        updated_at: now,
      }));
      const ids: Array<Promise<number>> = [];
      for (const [index, row] of rows.entries()) {
        const last = index === rows.length - 1;
        const insert = (): Promise<number> =>
          preparedInsert(trx, 'reservations.insert', { row: columnsOf(row) }, (db, values) => db('reservations').insert(values.row), { answeredWithNext: together && !last });
        const id = endsTransaction && last ? asLastStatement(trx, insert) : insert();
        // Answered before the next is sent, unless kept for the last one's packet.
        if (!together) await id;
        ids.push(id);
      }
      // Every column is what was just written: no read back (one statement less per hold).
      return Promise.all(ids.map(async (id, index) => toReservation({ ...rows[index]!, id: await id })));
    });
  }

  /**
   * A held reservation now belongs to another leg row: a leg's next carrier try (issue #17) is a
   * row of its own, and recovery after a crash matches holds to rows by leg uuid. False when it
   * is not held any more.
   */
  async moveToLeg(reservationId: number, legUuid: string): Promise<boolean> {
    const id = parseInput(idField, reservationId, 'reservation id');
    const uuid = parseInput(guidField, legUuid, 'leg uuid');
    const moved = await this.db('reservations').where({ id, state: 'held' }).update({ leg_uuid: uuid, updated_at: this.clock() });
    return moved > 0;
  }

  /** The hold written under `holdKey`, if any. */
  async findByHoldKey(holdKey: string): Promise<Reservation | null> {
    const row = await this.db<ReservationRow>('reservations').where({ hold_key: holdKey }).first();
    return row ? toReservation(row) : null;
  }

  /**
   * Charges the actual cost and frees the hold, in one transaction. The cost may exceed the
   * amount held (rounding at the last increment): an account is charged in full (its credit
   * limit is the operator's risk); a card only up to the hold plus what it has beyond every
   * hold, so it never goes below zero and never spends another call's hold (settledMinor says
   * what was charged). Returns false when the reservation is not held any more (already settled
   * or released): settling twice is harmless.
   */
  settle(reservationId: number, actualCost: MinorUnits, known?: KnownHold): Promise<boolean> {
    return this.close(reservationId, 'settled', parseInput(nonNegativeMinorField, actualCost, 'actual cost'), known);
  }

  /** Frees the hold without charging (the leg never connected). False when not held any more. */
  release(reservationId: number, known?: KnownHold): Promise<boolean> {
    return this.close(reservationId, 'released', null, known);
  }

  async findById(id: number): Promise<Reservation | null> {
    const row = await this.db<ReservationRow>('reservations').where({ id }).first();
    return row ? toReservation(row) : null;
  }

  /** The hold a leg's settlement charged, if one did (settledMinor: what it really took). */
  async findSettledForLeg(legUuid: string): Promise<Reservation | null> {
    const row = await this.db<ReservationRow>('reservations').where({ leg_uuid: legUuid, state: 'settled' }).orderBy('id', 'desc').first();
    return row ? toReservation(row) : null;
  }

  /** Held reservations, oldest first; with createdBefore, those a crashed instance may have left; with requestId, one request's. */
  async listHeld(options: { accountId?: number; cardId?: number; requestId?: string; createdBefore?: EpochMs } = {}): Promise<Reservation[]> {
    const query = this.db<ReservationRow>('reservations').where({ state: 'held' }).orderBy('id');
    if (options.accountId !== undefined) query.where({ account_id: options.accountId });
    if (options.cardId !== undefined) query.where({ card_id: options.cardId });
    if (options.requestId !== undefined) query.where({ request_id: options.requestId });
    if (options.createdBefore !== undefined) query.where('created_at', '<', options.createdBefore);
    return (await query).map(toReservation);
  }

  /**
   * `known`: the hold as its writer got it back (the engine keeps it), so its row need not be read
   * first; the compare-and-set then also checks that amount and owner are the row's. A hold no
   * longer held, or not as known, is looked up as without it.
   */
  private close(reservationId: number, state: 'settled' | 'released', cost: MinorUnits | null, known: KnownHold | undefined): Promise<boolean> {
    const id = parseInput(idField, reservationId, 'reservation id');
    return this.atomically(async (trx) => {
      if (known && (await this.closeHeld(trx, id, state, cost, known))) return true;
      const row = await trx<ReservationRow>('reservations').where({ id }).first();
      if (!row || row.state !== 'held') return false;
      const reservation = toReservation(row);
      return this.closeHeld(trx, id, state, cost, { amountMinor: reservation.amountMinor, owner: reservationOwner(reservation) });
    });
  }

  private async closeHeld(trx: Knex.Transaction, id: number, state: 'settled' | 'released', cost: MinorUnits | null, hold: KnownHold): Promise<boolean> {
    const funds = fundsOf(hold.owner);
    const amount = hold.amountMinor;
    // A card's charge is capped by what it has (chargeable), so its row is read first, locked;
    // an account's charge is the cost, and its UPDATE below is what takes its row.
    const owner = funds.table === 'calling_cards' ? await lockOwner(trx, funds) : undefined;
    const charged = cost === null ? 0 : chargeable(funds, owner, amount, cost);
    const now = this.clock();
    // The owner's row before the reservation's, the order reserveFor() takes them in: two legs of
    // one owner settling at once (each with its CDR insert in the same transaction) queue on the
    // owner's row instead of deadlocking on MariaDB. (Made conditional on the hold, the UPDATE
    // would read the reservation before the owner's row, and two closes of one hold deadlock.)
    const take = (sign: 1 | -1): Promise<number> =>
      preparedUpdate(trx, `${funds.table}.close`, { where: { id: funds.id }, take: { reserved: sign * amount, balance: sign * charged }, set: { updated_at: now } }, (db, values) =>
        db(funds.table)
          .where(values.where)
          .update({
            reserved_minor: db.raw('reserved_minor - ?', [values.take.reserved]),
            balance_minor: db.raw('balance_minor - ?', [values.take.balance]),
            updated_at: values.set.updated_at,
          }),
        1,
      );
    await take(1);
    // Compare-and-set on the state: of two concurrent closes, the second (queued on the owner's row) finds it closed.
    const closed = await preparedUpdate(
      trx,
      'reservations.close',
      { where: { id, state: 'held', amount_minor: amount, ...funds.ownerColumns }, set: { state, settled_minor: cost === null ? null : charged, updated_at: now } },
      (db, values) => db('reservations').where(values.where).update(values.set),
      1,
    );
    if (closed > 0) return true;
    // Not held (any more), or not as known: what was taken goes back, in the same transaction.
    await take(-1);
    return false;
  }
}

/** A hold's amount and owner as its writer got them back: what closing it needs from its row. */
export interface KnownHold {
  readonly amountMinor: MinorUnits;
  readonly owner: ReservationOwner;
}

interface OwnerRow {
  balance_minor: DbInt;
  reserved_minor: DbInt;
}

async function lockOwner(trx: Knex.Transaction, funds: OwnerFunds): Promise<OwnerRow | undefined> {
  // The id is the key: no limit, whose binding would be knex's, not ours.
  const [row] = await preparedRows<OwnerRow, { where: { id: number } }>(trx, `${funds.table}.lock`, { where: { id: funds.id } }, (db, values) => {
    const query = db(funds.table).where(values.where).select('balance_minor', 'reserved_minor');
    return isMysql(db) ? query.forUpdate() : query;
  });
  return row;
}

/**
 * The holds an earlier try of this write made, or null when it made none. The owner's row is taken
 * first, as in every hold and settlement, so the look-up waits for a try still committing.
 */
async function findWritten(trx: Knex.Transaction, funds: OwnerFunds, owner: ReservationOwner, holds: ReadonlyArray<ParsedHold>): Promise<Reservation[] | null> {
  await lockOwner(trx, funds);
  const keys = holds.flatMap(({ refs }) => (refs.holdKey === null ? [] : [refs.holdKey]));
  const rows = await trx<ReservationRow>('reservations').whereIn('hold_key', keys);
  if (rows.length === 0) return null;
  const byKey = new Map(rows.map((row) => [row.hold_key, toReservation(row)]));
  return holds.map(({ amount, refs }) => {
    const reservation = refs.holdKey === null ? undefined : byKey.get(refs.holdKey);
    if (!reservation) throw new StoreConflict(`holds ${keys.join(', ')} were written in part (one write makes all of them or none)`);
    if (!isSameHold(reservation, owner, amount, refs)) throw new StoreConflict(`hold key ${refs.holdKey} names another hold (reservation ${reservation.id})`);
    return reservation;
  });
}

/** What settling a hold of `amount` at `cost` takes from its owner (see settle). */
function chargeable(funds: OwnerFunds, owner: OwnerRow | undefined, amount: MinorUnits, cost: MinorUnits): number {
  if (funds.table === 'accounts' || !owner) return cost;
  const heldByOthers = money(owner.reserved_minor) - amount;
  return Math.max(0, Math.min(cost, money(owner.balance_minor) - heldByOthers));
}

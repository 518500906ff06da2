import { z } from 'zod';
import type { MinorUnits } from '../domain/money';
import { Repository, insertedId, int, money, oneOf, optMoney, written, type DbInt, type EpochMs } from './rows';
import { isMysql } from './schema';
import { idField, nonNegativeMinorField, parseInput, positiveMinorField } from './validation';

export const RESERVATION_STATES = ['held', 'settled', 'released'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/**
 * Money set aside for a call before it is dialed (B3), so concurrent calls can never spend the
 * same balance twice. Settled with the actual cost when the leg is rated, or released unused.
 */
export interface Reservation {
  id: number;
  accountId: number;
  requestId: string | null;
  legUuid: string | null;
  amountMinor: MinorUnits;
  settledMinor: MinorUnits | null;
  state: ReservationState;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface ReservationRow {
  id: DbInt;
  account_id: DbInt;
  request_id: string | null;
  leg_uuid: string | null;
  amount_minor: DbInt;
  settled_minor: DbInt | null;
  state: string;
  created_at: DbInt;
  updated_at: DbInt;
}

const referencesSchema = z.object({
  requestId: z.guid().nullable().default(null),
  legUuid: z.guid().nullable().default(null),
});
export type ReservationReferences = z.input<typeof referencesSchema>;

function toReservation(row: ReservationRow): Reservation {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    requestId: row.request_id,
    legUuid: row.leg_uuid,
    amountMinor: money(row.amount_minor),
    settledMinor: optMoney(row.settled_minor),
    state: oneOf(RESERVATION_STATES, row.state),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class ReservationsRepository extends Repository {
  /**
   * Holds `amount` against the account, or returns null when balance + credit limit − already
   * held would go below zero. The check and the hold are one conditional UPDATE, which the
   * database serialises per account row, so no interleaving of concurrent callers can overrun.
   */
  async reserve(accountId: number, amount: MinorUnits, references: ReservationReferences = {}): Promise<Reservation | null> {
    const account = parseInput(idField, accountId, 'account id');
    const hold = parseInput(positiveMinorField, amount, 'reservation amount');
    const refs = parseInput(referencesSchema, references, 'reservation references');
    return this.atomically(async (trx) => {
      const now = this.clock();
      const held = await trx('accounts')
        .where({ id: account })
        .andWhereRaw('balance_minor + credit_limit_minor - reserved_minor >= ?', [hold])
        .update({ reserved_minor: trx.raw('reserved_minor + ?', [hold]), updated_at: now });
      if (held === 0) return null;
      const id = insertedId(
        await trx('reservations').insert({
          account_id: account,
          request_id: refs.requestId,
          leg_uuid: refs.legUuid,
          amount_minor: hold,
          state: 'held',
          created_at: now,
          updated_at: now,
        }),
      );
      return toReservation(written(await trx<ReservationRow>('reservations').where({ id }).first(), `reservation ${id}`));
    });
  }

  /**
   * Charges the actual cost and frees the hold, in one transaction. The cost may exceed the
   * amount held (rounding at the last increment); it is charged in full. Returns false when the
   * reservation is not held any more (already settled or released): settling twice is harmless.
   */
  settle(reservationId: number, actualCost: MinorUnits): Promise<boolean> {
    return this.close(reservationId, 'settled', parseInput(nonNegativeMinorField, actualCost, 'actual cost'));
  }

  /** Frees the hold without charging (the leg never connected). False when not held any more. */
  release(reservationId: number): Promise<boolean> {
    return this.close(reservationId, 'released', null);
  }

  async findById(id: number): Promise<Reservation | null> {
    const row = await this.db<ReservationRow>('reservations').where({ id }).first();
    return row ? toReservation(row) : null;
  }

  /** Held reservations, oldest first; with createdBefore, those a crashed instance may have left; with requestId, one request's. */
  async listHeld(options: { accountId?: number; requestId?: string; createdBefore?: EpochMs } = {}): Promise<Reservation[]> {
    const query = this.db<ReservationRow>('reservations').where({ state: 'held' }).orderBy('id');
    if (options.accountId !== undefined) query.where({ account_id: options.accountId });
    if (options.requestId !== undefined) query.where({ request_id: options.requestId });
    if (options.createdBefore !== undefined) query.where('created_at', '<', options.createdBefore);
    return (await query).map(toReservation);
  }

  private close(reservationId: number, state: 'settled' | 'released', cost: MinorUnits | null): Promise<boolean> {
    const id = parseInput(idField, reservationId, 'reservation id');
    return this.atomically(async (trx) => {
      const row = await trx<ReservationRow>('reservations').where({ id }).first();
      if (!row || row.state !== 'held') return false;
      // The account row is locked before the reservation row, the order reserve() takes them in:
      // without it two legs of one account settling at once (each with its CDR insert in the same
      // transaction) deadlock on MariaDB. SQLite serialises writers anyway.
      if (isMysql(trx)) await trx('accounts').where({ id: int(row.account_id) }).forUpdate().first('id');
      const now = this.clock();
      // Compare-and-set on the state: of two concurrent settles, only one gets past here.
      const closed = await trx('reservations')
        .where({ id, state: 'held' })
        .update({ state, settled_minor: cost, updated_at: now });
      if (closed === 0) return false;
      const amount = money(row.amount_minor);
      await trx('accounts')
        .where({ id: int(row.account_id) })
        .update({
          reserved_minor: trx.raw('reserved_minor - ?', [amount]),
          balance_minor: trx.raw('balance_minor - ?', [cost ?? 0]),
          updated_at: now,
        });
      return true;
    });
  }
}

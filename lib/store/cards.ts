import { z } from 'zod';
import { MONEY_MAX_MINOR, minorUnits, type MinorUnits } from '../domain/money';
import { Repository, bool, definedOnly, insertedId, int, money, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { isMysql } from './schema';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, currencyField, epochMsField, idField, minorField, nonNegativeMinorField, parseInput } from './validation';

/** A prepaid calling card (A4): its own number, PIN (in pins) and balance, independent of accounts. */
export interface CallingCard {
  id: number;
  number: string;
  accountId: number | null;
  balanceMinor: MinorUnits;
  /** Sum of the card's held reservations (B3): money calls in progress may still spend. */
  reservedMinor: MinorUnits;
  currency: string;
  active: boolean;
  expiresAt: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface CardRow {
  id: DbInt;
  number: string;
  account_id: DbInt | null;
  balance_minor: DbInt;
  reserved_minor: DbInt;
  currency: string;
  active: DbBool;
  expires_at: DbInt | null;
  created_at: DbInt;
  updated_at: DbInt;
}

const cardFields = z.object({
  number: z.string().regex(/^[0-9]{4,32}$/, 'a card number is 4 to 32 digits'),
  accountId: idField.nullable(),
  balanceMinor: nonNegativeMinorField,
  currency: currencyField,
  active: z.boolean(),
  expiresAt: epochMsField.nullable(),
});
const newCardSchema = cardFields.partial().required({ number: true, currency: true });
const cardPatchSchema = cardFields.pick({ accountId: true, active: true, expiresAt: true }).partial();

export type NewCallingCard = z.input<typeof newCardSchema>;
export type CallingCardPatch = z.input<typeof cardPatchSchema>;

function toCard(row: CardRow): CallingCard {
  return {
    id: int(row.id),
    number: row.number,
    accountId: optInt(row.account_id),
    balanceMinor: money(row.balance_minor),
    reservedMinor: money(row.reserved_minor),
    currency: row.currency,
    active: bool(row.active),
    expiresAt: optInt(row.expires_at),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

function cardColumns(fields: Partial<z.output<typeof cardFields>>) {
  return definedOnly({
    number: fields.number,
    account_id: fields.accountId,
    balance_minor: fields.balanceMinor,
    currency: fields.currency,
    active: fields.active,
    expires_at: fields.expiresAt,
  });
}

/** What a new call may still spend: the balance less what calls in progress hold (never below zero: a card has no credit). */
export function cardAvailableMinor(card: Pick<CallingCard, 'balanceMinor' | 'reservedMinor'>): MinorUnits {
  return minorUnits(Math.max(0, card.balanceMinor - card.reservedMinor));
}

export function isCardUsable(card: CallingCard, now: EpochMs): boolean {
  return card.active && (card.expiresAt === null || card.expiresAt > now);
}

export class CardsRepository extends Repository {
  async create(input: NewCallingCard): Promise<CallingCard> {
    const columns = cardColumns(parseInput(newCardSchema, input, 'calling card'));
    const now = this.clock();
    try {
      const id = insertedId(
        await this.writing('calling card', () =>
          this.db('calling_cards').insert({ balance_minor: 0, active: true, ...columns, created_at: now, updated_at: now }),
        ),
      );
      return written(await this.findById(id), `calling card ${id}`);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`calling card ${String(columns.number)} already exists`);
      throw error;
    }
  }

  async findById(id: number): Promise<CallingCard | null> {
    const row = await this.db<CardRow>('calling_cards').where({ id }).first();
    return row ? toCard(row) : null;
  }

  async findByNumber(number: string): Promise<CallingCard | null> {
    const row = await this.db<CardRow>('calling_cards').where({ number }).first();
    return row ? toCard(row) : null;
  }

  async list(): Promise<CallingCard[]> {
    return (await this.db<CardRow>('calling_cards').orderBy('id')).map(toCard);
  }

  async update(id: number, patch: CallingCardPatch): Promise<CallingCard | null> {
    const columns = cardColumns(parseInput(cardPatchSchema, patch, 'calling card change'));
    const changed = await this.writing('calling card change', () =>
      this.db('calling_cards').where({ id }).update({ ...columns, updated_at: this.clock() }),
    );
    return changed === 0 ? null : this.findById(id);
  }

  /**
   * Adds `delta` (negative to charge) in one conditional UPDATE, so concurrent charges can never
   * take a card below zero nor spend money held for a call in progress. Returns false, changing
   * nothing, when the balance beyond the holds would not cover it, or a top-up would take the
   * balance beyond MONEY_MAX_MINOR.
   */
  async adjustBalance(id: number, delta: MinorUnits): Promise<boolean> {
    const amount = parseInput(minorField, delta, 'card balance change');
    const query = this.db('calling_cards').where({ id });
    if (amount < 0) query.andWhereRaw('balance_minor - reserved_minor >= ?', [-amount]);
    else query.andWhereRaw('balance_minor + ? <= ?', [amount, MONEY_MAX_MINOR]);
    const changed = await query.update({ balance_minor: this.db.raw('balance_minor + ?', [amount]), updated_at: this.clock() });
    return changed > 0;
  }

  /**
   * Charges `cost`, or as much of it as the card has beyond its holds (a leg that ran without a
   * hold of its own must not spend another call's). Returns what was charged.
   */
  async chargeAtMost(id: number, cost: MinorUnits): Promise<MinorUnits> {
    const wanted = parseInput(nonNegativeMinorField, cost, 'card charge');
    return this.atomically(async (trx) => {
      const query = trx<CardRow>('calling_cards').where({ id });
      // Read and write under the row lock (SQLite serialises writers anyway).
      if (isMysql(trx)) query.forUpdate();
      const row = await query.first();
      const amount = row ? Math.min(wanted, cardAvailableMinor(toCard(row))) : 0;
      if (amount > 0) {
        await trx('calling_cards')
          .where({ id })
          .update({ balance_minor: trx.raw('balance_minor - ?', [amount]), updated_at: this.clock() });
      }
      return minorUnits(amount);
    });
  }
}

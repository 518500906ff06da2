import { z } from 'zod';
import type { Knex } from 'knex';
import { minorUnits, type MinorUnits } from '../domain/money';
import { cardAvailableMinor } from './cards';
import { ledgerEntryFields, listLedger, payerColumns, toLedgerEntry, type LedgerEntry, type LedgerQuery, type LedgerRow } from './payer-ledger';
import type { ReservationOwner } from './reservations';
import { Repository, insertedId, int, money, oneOf, optInt, written, type DbInt, type EpochMs } from './rows';
import { isMysql } from './schema';
import { isUniqueViolation } from './sql-errors';
import { idField, minorField, nonNegativeMinorField, parseInput } from './validation';

export const ADJUSTMENT_REASONS = ['estimate_corrected'] as const;
/** estimate_corrected: a leg settled from an estimate, corrected to FreeSWITCH's CDR (B4). */
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

/** Money moved after a leg was settled, one per leg (B4). */
export interface BillingAdjustment extends LedgerEntry {
  reason: AdjustmentReason;
  estimatedBillsec: number;
  correctedBillsec: number;
  estimatedCostMinor: MinorUnits;
  correctedCostMinor: MinorUnits;
  /** As moved: positive charged to the payer, negative refunded. A card is charged only what it has. */
  amountMinor: MinorUnits;
  operatorAccountId: number | null;
  operatorAmountMinor: MinorUnits;
}

interface AdjustmentRow extends LedgerRow {
  reason: string;
  estimated_billsec: DbInt;
  corrected_billsec: DbInt;
  estimated_cost_minor: DbInt;
  corrected_cost_minor: DbInt;
  amount_minor: DbInt;
  operator_account_id: DbInt | null;
  operator_amount_minor: DbInt;
}

const newSchema = z.object({
  ...ledgerEntryFields,
  reason: z.enum(ADJUSTMENT_REASONS),
  estimatedBillsec: z.number().int().nonnegative(),
  correctedBillsec: z.number().int().nonnegative(),
  estimatedCostMinor: nonNegativeMinorField,
  correctedCostMinor: nonNegativeMinorField,
  /** What should move on the payer: positive to charge, negative to refund. */
  amountMinor: minorField,
  operator: z.object({ accountId: idField, amountMinor: minorField }).nullable().default(null),
});
export type NewBillingAdjustment = z.input<typeof newSchema>;

function toAdjustment(row: AdjustmentRow): BillingAdjustment {
  return {
    ...toLedgerEntry(row),
    reason: oneOf(ADJUSTMENT_REASONS, row.reason),
    estimatedBillsec: int(row.estimated_billsec),
    correctedBillsec: int(row.corrected_billsec),
    estimatedCostMinor: money(row.estimated_cost_minor),
    correctedCostMinor: money(row.corrected_cost_minor),
    amountMinor: money(row.amount_minor),
    operatorAccountId: optInt(row.operator_account_id),
    operatorAmountMinor: money(row.operator_amount_minor),
  };
}

export class BillingAdjustmentsRepository extends Repository {
  /**
   * Records the adjustment of a leg and moves its money, in one transaction, once: null, moving
   * nothing, when the leg was adjusted before (leg_uuid is unique). The payer's row is locked
   * first, as a settlement locks it; a card is charged at most what it has beyond the holds of
   * calls in progress, and the row says what was really charged.
   */
  async book(input: NewBillingAdjustment): Promise<BillingAdjustment | null> {
    const adjustment = parseInput(newSchema, input, 'billing adjustment');
    return this.atomically(async (trx) => {
      const now = this.clock();
      const moved = await movable(trx, adjustment.payer, adjustment.amountMinor);
      if (adjustment.operator) await locked(trx, 'accounts', adjustment.operator.accountId);
      let id: number;
      try {
        id = insertedId(
          await trx('billing_adjustments').insert({
            leg_uuid: adjustment.legUuid,
            request_id: adjustment.requestId,
            ...payerColumns(adjustment.payer),
            reason: adjustment.reason,
            estimated_billsec: adjustment.estimatedBillsec,
            corrected_billsec: adjustment.correctedBillsec,
            estimated_cost_minor: adjustment.estimatedCostMinor,
            corrected_cost_minor: adjustment.correctedCostMinor,
            amount_minor: moved,
            operator_account_id: adjustment.operator?.accountId ?? null,
            operator_amount_minor: adjustment.operator?.amountMinor ?? 0,
            created_at: now,
          }),
        );
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
      if (adjustment.payer && moved !== 0) await takeFrom(trx, adjustment.payer, moved, now);
      if (adjustment.operator && adjustment.operator.amountMinor !== 0) await takeFrom(trx, { accountId: adjustment.operator.accountId }, adjustment.operator.amountMinor, now);
      return toAdjustment(written(await trx<AdjustmentRow>('billing_adjustments').where({ id }).first(), `billing adjustment ${id}`));
    });
  }

  async findByLegUuid(legUuid: string): Promise<BillingAdjustment | null> {
    const row = await this.db<AdjustmentRow>('billing_adjustments').where({ leg_uuid: legUuid }).first();
    return row ? toAdjustment(row) : null;
  }

  /** Oldest first; with accountId, those of one account (as payer). */
  async list(query: LedgerQuery = {}): Promise<BillingAdjustment[]> {
    return (await listLedger<AdjustmentRow>(this.db, 'billing_adjustments', query)).map(toAdjustment);
  }
}

/** Locks the owner's row (MariaDB; SQLite serialises writers anyway) and reads its money. */
async function locked(trx: Knex, table: 'accounts' | 'calling_cards', id: number): Promise<{ balance_minor: DbInt; reserved_minor: DbInt } | undefined> {
  const query = trx(table).where({ id });
  if (isMysql(trx)) query.forUpdate();
  return query.first<{ balance_minor: DbInt; reserved_minor: DbInt } | undefined>('balance_minor', 'reserved_minor');
}

/** What of `amount` may move: all of it, except that a card is charged only what it has beyond its holds. */
async function movable(trx: Knex, payer: ReservationOwner | null, amount: MinorUnits): Promise<MinorUnits> {
  if (!payer) return minorUnits(0);
  if (!('cardId' in payer)) {
    await locked(trx, 'accounts', payer.accountId);
    return amount;
  }
  const card = await locked(trx, 'calling_cards', payer.cardId);
  if (amount <= 0) return amount;
  const available = card ? cardAvailableMinor({ balanceMinor: money(card.balance_minor), reservedMinor: money(card.reserved_minor) }) : 0;
  return minorUnits(Math.min(amount, available));
}

/** Charges (positive) or refunds (negative) `amount` on the owner's balance. */
async function takeFrom(trx: Knex, owner: ReservationOwner, amount: number, now: EpochMs): Promise<void> {
  const [table, id] = 'cardId' in owner ? (['calling_cards', owner.cardId] as const) : (['accounts', owner.accountId] as const);
  await trx(table).where({ id }).update({ balance_minor: trx.raw('balance_minor - ?', [amount]), updated_at: now });
}

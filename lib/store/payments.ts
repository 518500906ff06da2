import { z } from 'zod';
import { MONEY_BOUND_TEXT, isBoundedMinor, type MinorUnits } from '../domain/money';
import { toAccount, type Account, type AccountRow } from './accounts';
import { Repository, insertedId, int, money, written, type DbInt, type EpochMs } from './rows';
import { isMysql } from './schema';
import { InvalidStoreInput, currencyField, idField, minorField, parseInput } from './validation';

/** A balance refill or correction recorded by an operator or through the API (B5). */
export interface Payment {
  id: number;
  accountId: number;
  /** Negative for a correction or refund. */
  amountMinor: MinorUnits;
  currency: string;
  method: string;
  reference: string | null;
  operator: string | null;
  createdAt: EpochMs;
}

interface PaymentRow {
  id: DbInt;
  account_id: DbInt;
  amount_minor: DbInt;
  currency: string;
  method: string;
  reference: string | null;
  operator: string | null;
  created_at: DbInt;
}

const newPaymentSchema = z.object({
  accountId: idField,
  amountMinor: minorField.refine((amount) => amount !== 0, 'a payment of zero records nothing'),
  currency: currencyField,
  method: z.string().trim().min(1).max(32),
  reference: z.string().max(128).nullable().default(null),
  operator: z.string().max(64).nullable().default(null),
  /**
   * A negative payment may take the account below what its credit limit allows (balance + credit
   * limit − held < 0) only when the operator says so explicitly (`--allow-negative`).
   */
  allowNegative: z.boolean().default(false),
});
export type NewPayment = z.input<typeof newPaymentSchema>;

function toPayment(row: PaymentRow): Payment {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    amountMinor: money(row.amount_minor),
    currency: row.currency,
    method: row.method,
    reference: row.reference,
    operator: row.operator,
    createdAt: int(row.created_at),
  };
}

/** The balance a payment leaves must stay within the money bound, and within the credit limit unless allowed. */
function refuseUnboundedBalance(account: Account, payment: z.output<typeof newPaymentSchema>): void {
  const balance = account.balanceMinor + payment.amountMinor;
  if (!isBoundedMinor(balance)) {
    throw new InvalidStoreInput('payment', `it would take the balance to ${balance}, beyond the maximum (${MONEY_BOUND_TEXT})`);
  }
  const available = balance + account.creditLimitMinor - account.reservedMinor;
  if (payment.amountMinor < 0 && available < 0 && !payment.allowNegative) {
    throw new InvalidStoreInput(
      'payment',
      `it would take the account ${-available} minor units below its credit limit (balance ${account.balanceMinor}, credit limit ${account.creditLimitMinor}, held ${account.reservedMinor}); allow it explicitly to go below`,
    );
  }
}

export class PaymentsRepository extends Repository {
  /** Writes the payment and moves the balance in one transaction: never one without the other. */
  async record(input: NewPayment): Promise<Payment> {
    const payment = parseInput(newPaymentSchema, input, 'payment');
    return this.atomically(async (trx) => {
      const now = this.clock();
      // The account row first and exclusively: the payment's foreign key would otherwise take a
      // shared lock on it, and two payments upgrading theirs at once deadlock on MariaDB.
      const query = trx<AccountRow>('accounts').where({ id: payment.accountId });
      const account = await (isMysql(trx) ? query.forUpdate() : query).first();
      if (!account) throw new InvalidStoreInput('payment', `account ${payment.accountId} does not exist`);
      if (account.currency !== payment.currency) {
        throw new InvalidStoreInput('payment', `the account is kept in ${account.currency}, not ${payment.currency}`);
      }
      refuseUnboundedBalance(toAccount(account), payment);
      const id = insertedId(
        await trx('payments').insert({
          account_id: payment.accountId,
          amount_minor: payment.amountMinor,
          currency: payment.currency,
          method: payment.method,
          reference: payment.reference,
          operator: payment.operator,
          created_at: now,
        }),
      );
      await trx('accounts')
        .where({ id: payment.accountId })
        .update({ balance_minor: trx.raw('balance_minor + ?', [payment.amountMinor]), updated_at: now });
      return toPayment(written(await trx<PaymentRow>('payments').where({ id }).first(), `payment ${id}`));
    });
  }

  /** Newest first. */
  async listForAccount(accountId: number, options: { limit?: number } = {}): Promise<Payment[]> {
    const rows = await this.db<PaymentRow>('payments')
      .where({ account_id: accountId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 100);
    return rows.map(toPayment);
  }
}

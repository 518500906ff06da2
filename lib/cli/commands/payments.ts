import type { Command } from 'commander';
import type { MinorUnits } from '../../domain/money';
import type { Payment } from '../../store';
import type { CliContext } from '../context';
import { amount, orDash, when } from '../format';
import { findAccount } from '../lookup';
import { integer, money, text } from '../parsers';
import type { Column } from '../table';
import { showAccount } from './accounts';

const COLUMNS: Column<Payment>[] = [
  { header: 'id', value: (p) => String(p.id), numeric: true },
  { header: 'when', value: (p) => when(p.createdAt) },
  { header: 'amount', value: (p) => amount(p.amountMinor), numeric: true },
  { header: 'currency', value: (p) => p.currency },
  { header: 'method', value: (p) => p.method },
  { header: 'reference', value: (p) => orDash(p.reference) },
  { header: 'operator', value: (p) => orDash(p.operator) },
];

export function registerPayments(program: Command, ctx: CliContext): void {
  const payments = program.command('payments').description('balance refills and corrections');

  payments
    .command('add')
    .description("record a payment and move the account's balance by it (negative for a refund)")
    .argument('<account>', 'id or name')
    .argument('<amount>', "in the account's currency, e.g. 20.00", money)
    .option('--method <method>', 'cash, card, bank, …', text(32), 'manual')
    .option('--reference <text>', 'receipt or transfer reference', text(128))
    .option('--allow-negative', 'let a refund take the account below its credit limit')
    .action(async (ref: string, paid: MinorUnits, options: { method: string; reference?: string; allowNegative?: boolean }) => {
      const store = await ctx.store();
      const account = await findAccount(store, ref);
      const payment = await store.payments.record({
        accountId: account.id,
        amountMinor: paid,
        currency: account.currency,
        method: options.method,
        reference: options.reference ?? null,
        operator: ctx.operator,
        allowNegative: options.allowNegative === true,
      });
      await ctx.audit('payment_recorded', { accountId: account.id, details: { paymentId: payment.id, amountMinor: paid } });
      ctx.out.note(`payment ${payment.id} of ${amount(paid, account.currency)} recorded`);
      showAccount(ctx, await findAccount(store, String(account.id)), { payment });
    });

  payments
    .command('list')
    .description('newest first')
    .argument('<account>', 'id or name')
    .option('--limit <n>', 'at most this many', integer(1, 10_000), 50)
    .action(async (ref: string, options: { limit: number }) => {
      const store = await ctx.store();
      const account = await findAccount(store, ref);
      ctx.out.list(await store.payments.listForAccount(account.id, { limit: options.limit }), COLUMNS);
    });
}

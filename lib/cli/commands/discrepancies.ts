import type { Command } from 'commander';
import type { BillingDiscrepancy } from '../../store';
import type { CliContext } from '../context';
import { amount, orDash, when } from '../format';
import { findAccount } from '../lookup';
import { integer } from '../parsers';
import type { Column } from '../table';

const COLUMNS: Column<BillingDiscrepancy>[] = [
  { header: 'when', value: (d) => when(d.createdAt) },
  { header: 'leg', value: (d) => d.legUuid },
  { header: 'account', value: (d) => orDash(d.accountId) },
  { header: 'card', value: (d) => orDash(d.cardId) },
  { header: 'kind', value: (d) => d.kind },
  { header: 'source', value: (d) => d.source },
  { header: 'billsec', value: (d) => String(d.billsec), numeric: true },
  { header: 'held', value: (d) => amount(d.holdMinor), numeric: true },
  { header: 'rated', value: (d) => amount(d.ratedCostMinor), numeric: true },
  { header: 'charged', value: (d) => amount(d.chargedMinor), numeric: true },
  { header: 'not charged', value: (d) => amount(d.excessMinor), numeric: true },
];

export function registerDiscrepancies(program: Command, ctx: CliContext): void {
  program
    .command('discrepancies')
    .description('legs rated above their hold: the hold was charged, the rest is listed here for the operator (oldest first)')
    .option('--account <account>', 'id or name: only the legs this account paid')
    .option('--limit <n>', 'at most this many', integer(1, 10_000), 1000)
    .action(async (options: { account?: string; limit: number }) => {
      const store = await ctx.store();
      const accountId = options.account === undefined ? undefined : (await findAccount(store, options.account)).id;
      ctx.out.list(await store.billingDiscrepancies.list({ accountId, limit: options.limit }), COLUMNS);
    });
}

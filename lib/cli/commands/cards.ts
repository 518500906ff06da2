import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import type { MinorUnits } from '../../domain/money';
import { formatCsv } from '../../billing/reports';
import { inTransaction, type CallingCard, type Store } from '../../store';
import type { CliContext } from '../context';
import { invalid } from '../errors';
import { amount, orDash, when, yesNo } from '../format';
import { findAccount, findCard } from '../lookup';
import { integer, nonNegativeMoney } from '../parsers';
import type { Column } from '../table';

interface GenerateOptions {
  count: number;
  currency: string;
  balance?: MinorUnits;
  digits: number;
  pinDigits: number;
  expires?: string;
  account?: string;
  csv?: boolean;
}

interface GeneratedCard {
  card: CallingCard;
  pin: string;
}

const COLUMNS: Column<CallingCard>[] = [
  { header: 'number', value: (c) => c.number },
  { header: 'balance', value: (c) => amount(c.balanceMinor), numeric: true },
  { header: 'currency', value: (c) => c.currency },
  { header: 'account', value: (c) => orDash(c.accountId) },
  { header: 'active', value: (c) => yesNo(c.active) },
  { header: 'expires', value: (c) => when(c.expiresAt) },
];

/** Uniformly random digits; a leading zero is fine, card numbers are strings. */
function randomDigits(length: number): string {
  return Array.from({ length }, () => String(randomInt(10))).join('');
}

export function registerCards(program: Command, ctx: CliContext): void {
  const cards = program.command('cards').description('prepaid calling cards: batch generation, listing');

  cards
    .command('generate')
    .description('create a batch of cards with random numbers and PINs, all or none; the PINs are shown this once only')
    .requiredOption('--count <n>', 'how many cards', integer(1, 10_000))
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
    .option('--balance <amount>', 'starting balance of each card, e.g. 5.00', nonNegativeMoney)
    .option('--digits <n>', 'length of the card number', integer(8, 32), 12)
    .option('--pin-digits <n>', 'length of the PIN', integer(4, 12), 4)
    .option('--expires <date>', 'last day the cards work (YYYY-MM-DD, UTC)')
    .option('--account <account>', 'attach the cards to an account (id or name)')
    .option('--csv', 'print number,pin as CSV (for the card printer) instead of a table')
    .action(async (options: GenerateOptions) => {
      const store = await ctx.store();
      const accountId = options.account === undefined ? null : (await findAccount(store, options.account)).id;
      const expiresAt = options.expires === undefined ? null : endOfDay(options.expires);
      const generated = await generate(ctx, store, options, accountId, expiresAt);
      await ctx.audit('cards_generated', { accountId, details: { count: generated.length, currency: options.currency } });
      if (options.csv) {
        ctx.out.raw(formatCsv([['number', 'pin'], ...generated.map(({ card, pin }) => [card.number, pin])]));
        return;
      }
      ctx.out.note('The PINs are stored hashed and cannot be shown again.');
      ctx.out.list(
        generated,
        [{ header: 'pin', value: (g: GeneratedCard) => g.pin }, ...COLUMNS.map((column) => ({ ...column, value: (g: GeneratedCard) => column.value(g.card) }))],
        generated.map(({ card, pin }) => ({ ...card, pin })),
      );
    });

  cards
    .command('list')
    .description('calling cards, optionally of one account')
    .option('--account <account>', 'id or name')
    .action(async (options: { account?: string }) => {
      const store = await ctx.store();
      const accountId = options.account === undefined ? undefined : (await findAccount(store, options.account)).id;
      const all = await store.cards.list();
      ctx.out.list(
        accountId === undefined ? all : all.filter((card) => card.accountId === accountId),
        COLUMNS,
      );
    });

  cards
    .command('show')
    .argument('<number>', 'card number')
    .action(async (number: string) => {
      const card = await findCard(await ctx.store(), number);
      ctx.out.record(
        COLUMNS.map((column) => [column.header, column.value(card)] as const),
        card,
      );
    });
}

function endOfDay(text: string): number {
  const day = DateTime.fromISO(text, { zone: 'UTC' });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !day.isValid) throw invalid('--expires', `expected a date such as 2027-12-31, not ${text}`);
  return day.endOf('day').toMillis();
}

/**
 * One transaction for the whole batch, so a failure leaves no half batch of cards without a
 * printed PIN. Numbers are checked against the table and the batch; a clash just draws again.
 */
async function generate(ctx: CliContext, store: Store, options: GenerateOptions, accountId: number | null, expiresAt: number | null): Promise<GeneratedCard[]> {
  return inTransaction(
    store.db,
    async (tx) => {
      const taken = new Set<string>();
      const result: GeneratedCard[] = [];
      for (let index = 0; index < options.count; index += 1) {
        let number = randomDigits(options.digits);
        while (taken.has(number) || (await tx.cards.findByNumber(number))) number = randomDigits(options.digits);
        taken.add(number);
        const card = await tx.cards.create({
          number,
          currency: options.currency.toUpperCase(),
          accountId,
          expiresAt,
          ...(options.balance === undefined ? {} : { balanceMinor: options.balance }),
        });
        const pin = randomDigits(options.pinDigits);
        await tx.pins.set({ cardId: card.id }, pin);
        result.push({ card, pin });
      }
      return result;
    },
    () => ctx.now(),
  );
}

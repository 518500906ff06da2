import type { Command } from 'commander';
import type { CallerId } from '../../store';
import type { CliContext } from '../context';
import { notFound } from '../errors';
import { when, yesNo } from '../format';
import { countryOf, findAccount, phoneNumber } from '../lookup';
import type { Column } from '../table';

const COLUMNS: Column<CallerId>[] = [
  { header: 'number', value: (c) => c.number },
  { header: 'authorizes', value: (c) => yesNo(c.allowAuthorization) },
  { header: 'remembered', value: (c) => when(c.rememberedAt) },
  { header: 'added', value: (c) => when(c.createdAt) },
];

/** Resolves `<account> <number>` as every caller-ID subcommand takes them. */
async function accountAndNumber(ctx: CliContext, ref: string, input: string) {
  const store = await ctx.store();
  const account = await findAccount(store, ref);
  return { store, account, number: phoneNumber('<number>', input, countryOf(account, ctx.settings().callback.defaultCountry)) };
}

export function registerCallerIds(program: Command, ctx: CliContext): void {
  const callerIds = program.command('caller-ids').description("an account's known numbers: with authorization, a call from one acts for the account");

  callerIds
    .command('list')
    .argument('<account>', 'id or name')
    .action(async (ref: string) => {
      const store = await ctx.store();
      const account = await findAccount(store, ref);
      ctx.out.list(await store.callerIds.listForAccount(account.id), COLUMNS);
    });

  callerIds
    .command('add')
    .argument('<account>', 'id or name')
    .argument('<number>', 'E.164, 00…, or national for the account country')
    .option('--allow-authorization', 'calls and SMS from this number act for the account without a PIN')
    .action(async (ref: string, input: string, options: { allowAuthorization?: boolean }) => {
      const { store, account, number } = await accountAndNumber(ctx, ref, input);
      const callerId = await store.callerIds.add({ accountId: account.id, number, allowAuthorization: options.allowAuthorization === true });
      await ctx.audit('caller_id_added', { accountId: account.id, details: { number } });
      ctx.out.done(`${number} added to account ${account.name}`, callerId);
    });

  for (const [name, allow] of [
    ['allow', true],
    ['deny', false],
  ] as const) {
    callerIds
      .command(name)
      .description(allow ? 'let calls from the number act for the account' : 'require the PIN again for calls from the number')
      .argument('<account>', 'id or name')
      .argument('<number>', 'a number already added')
      .action(async (ref: string, input: string) => {
        const { store, account, number } = await accountAndNumber(ctx, ref, input);
        if (!(await store.callerIds.setAllowAuthorization(account.id, number, allow))) throw notFound(`caller ID ${number} of account ${account.name}`);
        await ctx.audit(allow ? 'caller_id_allowed' : 'caller_id_denied', { accountId: account.id, details: { number } });
        ctx.out.done(`${number}: authorization ${allow ? 'allowed' : 'denied'}`, { number, allowAuthorization: allow });
      });
  }

  callerIds
    .command('remove')
    .argument('<account>', 'id or name')
    .argument('<number>', 'a number of the account')
    .action(async (ref: string, input: string) => {
      const { store, account, number } = await accountAndNumber(ctx, ref, input);
      if (!(await store.callerIds.remove(account.id, number))) throw notFound(`caller ID ${number} of account ${account.name}`);
      await ctx.audit('caller_id_removed', { accountId: account.id, details: { number } });
      ctx.out.done(`${number} removed from account ${account.name}`, { number, removed: true });
    });
}

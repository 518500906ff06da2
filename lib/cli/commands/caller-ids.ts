import type { Command } from 'commander';
import { CallerIdVerification } from '../../caller-ids';
import { createLogger } from '../../log/logger';
import { senderSettingsOf } from '../../service/sms';
import { createSender } from '../../sms/module';
import { OutboundSms } from '../../sms/outbound/outbound-sms';
import { systemClock, type Clock } from '../../time/clock';
import type { CallerId, Store } from '../../store';
import type { CliContext } from '../context';
import { failure, notFound, refused } from '../errors';
import { when, yesNo } from '../format';
import { countryOf, findAccount, phoneNumber } from '../lookup';
import type { Column } from '../table';

const COLUMNS: Column<CallerId>[] = [
  { header: 'number', value: (c) => c.number },
  { header: 'authorizes', value: (c) => yesNo(c.allowAuthorization) },
  { header: 'remembered', value: (c) => when(c.rememberedAt) },
  { header: 'verified by', value: (c) => c.verifiedVia },
  { header: 'added', value: (c) => when(c.createdAt) },
];

/** Resolves `<account> <number>` as every caller-ID subcommand takes them. */
async function accountAndNumber(ctx: CliContext, ref: string, input: string) {
  const store = await ctx.store();
  const account = await findAccount(store, ref);
  return { store, account, number: phoneNumber('<number>', input, countryOf(account, ctx.settings().callback.defaultCountry)) };
}

/** Codes go out through the configured SMS sender, as the service sends them (#15 item 8). */
function verification(ctx: CliContext, store: Store): CallerIdVerification {
  const settings = ctx.settings();
  // Warnings only, and to stderr: the CLI's stdout is its answer (--json).
  const logger = createLogger({ level: 'warn', format: settings.log.format });
  // The CLI's own time (its tests set it); no timers are armed (autoRetry off).
  const clock: Clock = { now: () => ctx.now(), setTimeout: (callback, ms) => systemClock.setTimeout(callback, ms) };
  const outbound = new OutboundSms({ messages: store.smsMessages, sender: createSender(senderSettingsOf(settings.sms), logger), clock, logger, autoRetry: false });
  return new CallerIdVerification({ store, sender: outbound, clock, logger, settings: settings.verification });
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
    .option('--verified', 'the operator vouches for the number: it counts at once (without it, a code is sent to it by SMS)')
    .action(async (ref: string, input: string, options: { allowAuthorization?: boolean; verified?: boolean }) => {
      const { store, account, number } = await accountAndNumber(ctx, ref, input);
      const allowAuthorization = options.allowAuthorization === true;
      if (options.verified) {
        const callerId = await store.callerIds.add({ accountId: account.id, number, allowAuthorization, verifiedVia: 'operator' });
        await ctx.audit('caller_id_added', { accountId: account.id, details: { number, verified: true } });
        return ctx.out.done(`${number} added to account ${account.name}, verified`, callerId);
      }
      const outcome = await verification(ctx, store).register(account.id, number, allowAuthorization);
      if (outcome.kind === 'verified') return ctx.out.done(`${number} is already a verified number of account ${account.name}`, outcome.callerId);
      if (outcome.kind !== 'pending') throw refused(outcome.kind === 'too_soon' ? `a code was sent a moment ago; try again in ${outcome.retryAfterSeconds} s` : 'no more codes are sent for this claim');
      await ctx.audit('caller_id_claimed', { accountId: account.id, details: { number } });
      ctx.out.done(`code sent to ${number}; it counts once \`caller-ids verify ${account.id} ${number} <code>\` is run with it`, { number, verified: false, codeExpiresAt: outcome.claim.expiresAt });
    });

  callerIds
    .command('verify')
    .description('type back the code sent to a number (#15 item 8)')
    .argument('<account>', 'id or name')
    .argument('<number>', 'a number waiting for its code')
    .argument('<code>', 'the 6-digit code')
    .action(async (ref: string, input: string, code: string) => {
      const { store, account, number } = await accountAndNumber(ctx, ref, input);
      const outcome = await verification(ctx, store).verify(account.id, number, code);
      if (!outcome.ok) throw outcome.reason === 'locked' ? refused(`too many wrong codes; try again in ${outcome.retryAfterSeconds} s`) : failure('the code is wrong or has expired');
      ctx.out.done(`${number} verified for account ${account.name}`, outcome.callerId);
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

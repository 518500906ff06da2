import type { CallerIdVerification } from '../../caller-ids';
import type { E164 } from '../../domain/phone-number';
import type { Store } from '../../store';
import type { Account } from '../../store/accounts';
import type { SmsCommand } from '../parser/commands';
import type { CallbackOrdering, SmsCallbackOrder } from '../ports';
import { formatDue, type CallKind, type SmsTexts } from './replies';

export interface CommandContext {
  readonly store: Pick<Store, 'callerIds' | 'callerIdClaims' | 'accounts'>;
  readonly ordering: CallbackOrdering;
  /** #register sends the new number a code; #verify takes it back (#15 item 8). */
  readonly verification: Pick<CallerIdVerification, 'register' | 'verify'>;
  readonly account: Account;
  /** The authorized sender, E.164. */
  readonly sender: E164;
  /** Makes the order idempotent: the same stored message can only ever queue one callback. */
  readonly idempotencyKey: string;
  readonly now: number;
  /** The replies in the account's language. */
  readonly texts: SmsTexts;
}

export interface CommandResult {
  /** False when the command was understood but not carried out (the reply says why). */
  readonly done: boolean;
  readonly reply: string;
  /** The queued request, for the log. */
  readonly requestId?: string;
}

export async function executeCommand(command: SmsCommand, ctx: CommandContext): Promise<CommandResult> {
  switch (command.kind) {
    case 'callback': {
      const first = command.first ?? ctx.sender;
      if (first === command.second) return { done: false, reply: ctx.texts.ownNumber };
      return order(ctx, 'callback', { source: first, destination: command.second, mode: 'source_first', dueAt: command.at });
    }
    case 'conference':
      return order(ctx, 'conference', { source: command.a, destination: command.b, mode: 'simultaneous', dueAt: command.at });
    case 'redial': {
      const last = await ctx.ordering.lastRequestFor(ctx.account.id);
      if (!last) return { done: false, reply: ctx.texts.nothingToRedial };
      return order(ctx, 'redial', { source: last.source, destination: last.destination, mode: last.mode, dueAt: undefined });
    }
    case 'register':
      return register(ctx, command.number);
    case 'verify':
      return verify(ctx, command.number, command.code);
    case 'unregister':
      return unregister(ctx, command.number);
    case 'reglist': {
      const callerIds = await ctx.store.callerIds.listForAccount(ctx.account.id);
      return { done: true, reply: ctx.texts.reglist(callerIds.filter((c) => c.allowAuthorization).map((c) => c.number)) };
    }
    case 'balance': {
      const balance = await ctx.store.accounts.balance(ctx.account.id);
      if (!balance) throw new Error(`account ${ctx.account.id} vanished while its SMS was handled`);
      return { done: true, reply: ctx.texts.balance(balance, ctx.account.currency) };
    }
  }
}

type Call = Pick<SmsCallbackOrder, 'source' | 'destination' | 'mode'> & { dueAt: number | undefined };

async function order(ctx: CommandContext, what: CallKind, call: Call): Promise<CommandResult> {
  const { dueAt, ...rest } = call;
  const outcome = await ctx.ordering.order({
    accountId: ctx.account.id,
    trigger: 'sms',
    ...rest,
    ...(dueAt === undefined ? {} : { dueAt }),
    idempotencyKey: ctx.idempotencyKey,
    // Every first party, the sender's own number included, must be a verified number of the account (#15 item 5).
    bySubscriber: true,
  });
  if (!outcome.ok) return { done: false, reply: ctx.texts.refused(what, outcome.refusal) };
  const due = dueAt === undefined ? null : formatDue(outcome.dueAt, ctx.now, ctx.account.timeZone);
  const reply = ctx.texts.queued({ what, first: call.source, second: call.destination, simultaneous: call.mode === 'simultaneous', due });
  return { done: true, reply, requestId: outcome.id };
}

/**
 * A new number authorizes nothing until the code sent to it comes back (#verify). The answer is
 * the same whether or not another account holds the number, so nothing is learnt from it.
 */
async function register(ctx: CommandContext, number: E164): Promise<CommandResult> {
  const outcome = await ctx.verification.register(ctx.account.id, number, true);
  switch (outcome.kind) {
    case 'verified':
      if (outcome.callerId.allowAuthorization) return { done: true, reply: ctx.texts.alreadyRegistered(number) };
      await ctx.store.callerIds.setAllowAuthorization(ctx.account.id, number, true);
      return { done: true, reply: ctx.texts.registered(number) };
    case 'pending':
      return { done: true, reply: ctx.texts.codeSent(number) };
    case 'too_soon':
      return { done: false, reply: ctx.texts.codeTooSoon(number, outcome.retryAfterSeconds) };
    case 'too_many':
      return { done: false, reply: ctx.texts.noMoreCodes(number) };
  }
}

async function verify(ctx: CommandContext, number: E164, code: string): Promise<CommandResult> {
  const outcome = await ctx.verification.verify(ctx.account.id, number, code);
  if (outcome.ok) return { done: true, reply: outcome.callerId.allowAuthorization ? ctx.texts.registered(number) : ctx.texts.verified(number) };
  if (outcome.reason === 'locked') return { done: false, reply: ctx.texts.codeLocked(outcome.retryAfterSeconds) };
  return { done: false, reply: ctx.texts.codeFailed(number) };
}

async function unregister(ctx: CommandContext, number: E164): Promise<CommandResult> {
  // A registration still waiting for its code is withdrawn the same way.
  if (await ctx.store.callerIdClaims.remove(ctx.account.id, number)) return { done: true, reply: ctx.texts.unregistered(number) };
  const existing = await ctx.store.callerIds.findByNumber(number);
  if (!existing || existing.accountId !== ctx.account.id || !existing.allowAuthorization) {
    return { done: false, reply: ctx.texts.notRegistered(number) };
  }
  await ctx.store.callerIds.remove(ctx.account.id, number);
  return { done: true, reply: ctx.texts.unregistered(number) };
}

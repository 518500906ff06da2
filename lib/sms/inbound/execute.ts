import type { E164 } from '../../domain/phone-number';
import type { Store } from '../../store';
import type { Account } from '../../store/accounts';
import { StoreConflict } from '../../store/validation';
import type { SmsCommand } from '../parser/commands';
import type { CallbackOrdering, SmsCallbackOrder } from '../ports';
import * as replies from './replies';

export interface CommandContext {
  readonly store: Pick<Store, 'callerIds' | 'accounts'>;
  readonly ordering: CallbackOrdering;
  readonly account: Account;
  /** The authorized sender, E.164. */
  readonly sender: E164;
  /** Makes the order idempotent: the same stored message can only ever queue one callback. */
  readonly idempotencyKey: string;
  readonly now: number;
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
      if (first === command.second) return { done: false, reply: replies.ownNumberReply };
      return order(ctx, 'Callback', { source: first, destination: command.second, mode: 'source_first', dueAt: command.at });
    }
    case 'conference':
      return order(ctx, 'Conference', { source: command.a, destination: command.b, mode: 'simultaneous', dueAt: command.at });
    case 'redial': {
      const last = await ctx.ordering.lastRequestFor(ctx.account.id);
      if (!last) return { done: false, reply: replies.nothingToRedialReply };
      return order(ctx, 'Redial', { source: last.source, destination: last.destination, mode: last.mode, dueAt: undefined });
    }
    case 'register':
      return register(ctx, command.number);
    case 'unregister':
      return unregister(ctx, command.number);
    case 'reglist': {
      const callerIds = await ctx.store.callerIds.listForAccount(ctx.account.id);
      return { done: true, reply: replies.reglistReply(callerIds.filter((c) => c.allowAuthorization).map((c) => c.number)) };
    }
    case 'balance': {
      const balance = await ctx.store.accounts.balance(ctx.account.id);
      if (!balance) throw new Error(`account ${ctx.account.id} vanished while its SMS was handled`);
      return { done: true, reply: replies.balanceReply(balance, ctx.account.currency) };
    }
  }
}

type Call = Pick<SmsCallbackOrder, 'source' | 'destination' | 'mode'> & { dueAt: number | undefined };

async function order(ctx: CommandContext, what: replies.QueuedCall['what'], call: Call): Promise<CommandResult> {
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
  if (!outcome.ok) return { done: false, reply: replies.refusedReply(what, outcome.reason) };
  const due = dueAt === undefined ? null : replies.formatDue(outcome.dueAt, ctx.now, ctx.account.timeZone);
  const reply = replies.queuedReply({ what, first: call.source, second: call.destination, simultaneous: call.mode === 'simultaneous', due });
  return { done: true, reply, requestId: outcome.id };
}

async function register(ctx: CommandContext, number: E164): Promise<CommandResult> {
  const { callerIds } = ctx.store;
  const existing = await callerIds.findByNumber(number);
  if (existing && existing.accountId !== ctx.account.id) return { done: false, reply: replies.registeredElsewhereReply(number) };
  if (existing?.allowAuthorization) return { done: true, reply: replies.alreadyRegisteredReply(number) };
  if (existing) {
    await callerIds.setAllowAuthorization(ctx.account.id, number, true);
    return { done: true, reply: replies.registeredReply(number) };
  }
  try {
    await callerIds.add({ accountId: ctx.account.id, number, allowAuthorization: true });
  } catch (error) {
    // Registered by someone else between our look and our insert: answer from what is stored now.
    if (!(error instanceof StoreConflict)) throw error;
    return register(ctx, number);
  }
  return { done: true, reply: replies.registeredReply(number) };
}

async function unregister(ctx: CommandContext, number: E164): Promise<CommandResult> {
  const existing = await ctx.store.callerIds.findByNumber(number);
  if (!existing || existing.accountId !== ctx.account.id || !existing.allowAuthorization) {
    return { done: false, reply: replies.notRegisteredReply(number) };
  }
  await ctx.store.callerIds.remove(ctx.account.id, number);
  return { done: true, reply: replies.unregisteredReply(number) };
}

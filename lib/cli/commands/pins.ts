import { Option, type Command } from 'commander';
import type { Pin, PinOwner } from '../../store';
import type { CliContext } from '../context';
import { invalid, notFound } from '../errors';
import { when } from '../format';
import { findAccount, findCard } from '../lookup';

interface OwnerOptions {
  account?: string;
  card?: string;
}

function ownerOptions(command: Command): Command {
  return command
    .addOption(new Option('--account <account>', 'the account PIN (id or name)').conflicts('card'))
    .addOption(new Option('--card <number>', 'the PIN of a calling card').conflicts('account'));
}

async function ownerOf(ctx: CliContext, options: OwnerOptions): Promise<{ owner: PinOwner; label: string; accountId: number | null }> {
  const store = await ctx.store();
  if (options.account !== undefined) {
    const account = await findAccount(store, options.account);
    return { owner: { accountId: account.id }, label: `account ${account.name}`, accountId: account.id };
  }
  if (options.card !== undefined) {
    const card = await findCard(store, options.card);
    return { owner: { cardId: card.id }, label: `card ${card.number}`, accountId: card.accountId };
  }
  throw invalid('--account / --card', 'name whose PIN it is');
}

function pinView(pin: Pin, now: number) {
  const locked = pin.lockedUntil !== null && pin.lockedUntil > now;
  return { ...pin, locked };
}

export function registerPins(program: Command, ctx: CliContext): void {
  const pins = program.command('pins').description('account and calling-card PINs, wrong-PIN lockouts');

  ownerOptions(pins.command('set').description('set or replace a PIN (4 to 12 digits); also clears a lockout').argument('<pin>', 'the new PIN')).action(
    async (pin: string, options: OwnerOptions) => {
      const { owner, label, accountId } = await ownerOf(ctx, options);
      const store = await ctx.store();
      const saved = await store.pins.set(owner, pin);
      await ctx.audit('pin_set', { accountId, details: { owner: label } });
      ctx.out.done(`PIN of ${label} set`, pinView(saved, ctx.now()));
    },
  );

  ownerOptions(pins.command('show').description('wrong attempts and lockout (never the PIN)')).action(async (options: OwnerOptions) => {
    const { owner, label } = await ownerOf(ctx, options);
    const store = await ctx.store();
    const pin = await store.pins.find(owner);
    if (!pin) throw notFound(`a PIN for ${label}`);
    const view = pinView(pin, ctx.now());
    ctx.out.record(
      [
        ['owner', label],
        ['wrong attempts', String(pin.failedAttempts)],
        ['locked', view.locked ? `until ${when(pin.lockedUntil)}` : 'no'],
        ['changed', when(pin.updatedAt)],
      ],
      view,
    );
  });

  ownerOptions(pins.command('reset-lockout').alias('unlock').description('clear wrong attempts and any lockout')).action(async (options: OwnerOptions) => {
    const { owner, label, accountId } = await ownerOf(ctx, options);
    const store = await ctx.store();
    if (!(await store.pins.unlock(owner))) throw notFound(`a PIN for ${label}`);
    await ctx.audit('pin_unlocked', { accountId, details: { owner: label } });
    ctx.out.done(`PIN of ${label} unlocked`, { owner, unlocked: true });
  });
}

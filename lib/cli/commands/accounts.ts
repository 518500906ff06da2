import { Command, Option } from 'commander';
import { MONEY_BOUND_TEXT, minorUnits, type MinorUnits } from '../../domain/money';
import { inTransaction, isMysql, type Account, type AccountPatch, type Store } from '../../store';
import type { CliContext } from '../context';
import { failure, invalid, refused } from '../errors';
import { amount, orDash, when, yesNo } from '../format';
import { countryOf, findAccount, findTariff, phoneNumber } from '../lookup';
import { bool, integer, money, nonNegativeMoney, orNone, text, timeZone } from '../parsers';
import { systemSettingsOf } from '../../settings';
import { changedOverrides, resolvedView, settingOptions, type SettingOptions } from '../setting-overrides';
import type { Column } from '../table';

interface AccountOptions {
  name?: string;
  creditLimit?: MinorUnits;
  timeZone?: string;
  language?: string;
  country?: string | null;
  maxConcurrent?: number;
  tariff?: string | null;
  callbackTariff?: string | null;
  callbackNumber?: string | null;
  freeSources?: boolean;
  active?: boolean;
}

const LIST_COLUMNS: Column<Account>[] = [
  { header: 'id', value: (a) => String(a.id), numeric: true },
  { header: 'name', value: (a) => a.name },
  { header: 'balance', value: (a) => amount(a.balanceMinor), numeric: true },
  { header: 'credit limit', value: (a) => amount(a.creditLimitMinor), numeric: true },
  { header: 'reserved', value: (a) => amount(a.reservedMinor), numeric: true },
  { header: 'currency', value: (a) => a.currency },
  { header: 'time zone', value: (a) => a.timeZone },
  { header: 'active', value: (a) => yesNo(a.active) },
];

/** The account with what it may still spend, as `show` and every balance change print it. */
export function showAccount(ctx: CliContext, account: Account, extraJson: Record<string, unknown> = {}, extraFields: ReadonlyArray<readonly [string, string]> = []): void {
  const availableMinor = minorUnits(account.balanceMinor + account.creditLimitMinor - account.reservedMinor);
  ctx.out.record(
    [
      ['id', String(account.id)],
      ['name', account.name],
      ['active', yesNo(account.active)],
      ['balance', amount(account.balanceMinor, account.currency)],
      ['credit limit', amount(account.creditLimitMinor, account.currency)],
      ['reserved', amount(account.reservedMinor, account.currency)],
      ['available', amount(availableMinor, account.currency)],
      ['time zone', account.timeZone],
      ['language', account.language],
      ['country', orDash(account.country)],
      ['max concurrent', String(account.maxConcurrentCallbacks)],
      ['tariff', orDash(account.tariffId)],
      ['callback tariff', orDash(account.callbackTariffId)],
      ['callback number', orDash(account.callbackNumber)],
      ['free sources', yesNo(account.freeSources)],
      ['created', when(account.createdAt)],
      ...extraFields,
    ],
    { ...account, availableMinor, ...extraJson },
  );
}

function showWithSettings(ctx: CliContext, account: Account): void {
  const view = resolvedView(systemSettingsOf(ctx.settings()), { account, accessNumber: null });
  showAccount(ctx, account, view.json, view.fields);
}

function accountOptions(command: Command, forCreate: boolean): Command {
  if (!forCreate) command.option('--name <name>', 'new name', text(100));
  return command
    .option('--credit-limit <amount>', 'how far the balance may go below zero, e.g. 20.00', nonNegativeMoney)
    .option('--time-zone <zone>', 'IANA zone for scheduled calls and statements, e.g. Europe/Berlin', timeZone)
    .option('--language <tag>', 'prompt language, e.g. en')
    .option('--country <code>', 'ISO country for national numbers, e.g. DE ("none" to clear)', orNone((value: string) => value.toUpperCase()))
    .option('--max-concurrent <n>', 'callbacks in progress at once', integer(1, 1000))
    .option('--tariff <tariff>', 'retail tariff (id or name; "none" to clear)', orNone(String))
    .option('--callback-tariff <tariff>', 'callback tariff for leg A (id or name; "none" to clear)', orNone(String))
    .option('--callback-number <number>', 'predefined number for "call to number" and the account\'s own DID ("none" to clear)', orNone(String))
    .addOption(new Option('--free-sources <bool>', "orders may call any first party, not only the account's verified numbers").argParser(bool));
}

async function tariffId(store: Store, ref: string | null | undefined): Promise<number | null | undefined> {
  if (ref === undefined || ref === null) return ref;
  return (await findTariff(store, ref)).id;
}

/** Options as a store patch; references (tariffs, numbers) resolved and checked. */
async function toPatch(store: Store, options: AccountOptions, country: string): Promise<AccountPatch> {
  const patch: AccountPatch = {
    name: options.name,
    creditLimitMinor: options.creditLimit,
    timeZone: options.timeZone,
    language: options.language,
    country: options.country,
    maxConcurrentCallbacks: options.maxConcurrent,
    tariffId: await tariffId(store, options.tariff),
    callbackTariffId: await tariffId(store, options.callbackTariff),
    freeSources: options.freeSources,
    active: options.active,
  };
  if (options.callbackNumber !== undefined) {
    const numberCountry = countryOf({ country: options.country ?? country }, country);
    patch.callbackNumber = options.callbackNumber === null ? null : phoneNumber('--callback-number', options.callbackNumber, numberCountry);
  }
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

export function registerAccounts(program: Command, ctx: CliContext): void {
  const accounts = program.command('accounts').description('subscriber accounts: create, show, balance, credit limit, time zone');

  accounts
    .command('list')
    .description('all accounts')
    .option('--active', 'only active accounts')
    .action(async (options: { active?: boolean }) => {
      const store = await ctx.store();
      const { accounts: readable, unreadable } = await store.accounts.listChecked({ activeOnly: options.active === true });
      ctx.out.list(readable, LIST_COLUMNS);
      if (unreadable.length > 0) {
        const lines = unreadable.map((bad) => `account ${bad.id} (${bad.name}) holds money beyond ${MONEY_BOUND_TEXT}: ${bad.problems.join(', ')}`);
        throw failure(`${lines.join('\n')}\nthese accounts are left out above; correct their rows in the database`);
      }
    });

  accounts
    .command('show')
    .description('one account with its balance, what it may still spend, and each callback setting with where it comes from')
    .argument('<account>', 'id or name')
    .action(async (ref: string) => {
      showWithSettings(ctx, await findAccount(await ctx.store(), ref));
    });

  accountOptions(
    accounts
      .command('create')
      .description('a new account; its balance starts at 0 (add money with `payments add`)')
      .requiredOption('--name <name>', 'unique name', text(100))
      .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD'),
    true,
  ).action(async (options: AccountOptions & { name: string; currency: string }) => {
    const store = await ctx.store();
    if (await store.accounts.findByName(options.name)) throw refused(`account ${options.name} already exists`);
    const patch = await toPatch(store, options, ctx.settings().callback.defaultCountry);
    const account = await store.accounts.create({ ...patch, name: options.name, currency: options.currency.toUpperCase() });
    await ctx.audit('account_created', { accountId: account.id });
    showAccount(ctx, account);
  });

  settingOptions(
    accountOptions(
      accounts
        .command('set')
        .description('change an account (credit limit, time zone, tariffs, callback setting overrides, …)')
        .argument('<account>', 'id or name')
        .addOption(new Option('--active <bool>', 'enable or disable the account').argParser(bool)),
      false,
    ),
  ).action(async (ref: string, options: AccountOptions & SettingOptions) => {
    const store = await ctx.store();
    const account = await findAccount(store, ref);
    const patch = await toPatch(store, options, account.country ?? ctx.settings().callback.defaultCountry);
    const settings = changedOverrides(systemSettingsOf(ctx.settings()), account.settings, 'account', options);
    if (settings !== undefined) patch.settings = settings;
    if (Object.keys(patch).length === 0) throw invalid('options', 'nothing to change; see `accounts set --help`');
    const updated = await store.accounts.update(account.id, patch);
    await ctx.audit('account_changed', { accountId: account.id, details: { fields: Object.keys(patch) } });
    showWithSettings(ctx, updated ?? account);
  });

  accounts
    .command('set-balance')
    .description('set the balance to an amount, recorded as a correction payment of the difference')
    .argument('<account>', 'id or name')
    .argument('<amount>', 'the new balance, e.g. 25.00', money)
    .option('--reference <text>', 'why, for the payment record')
    .action(async (ref: string, target: MinorUnits, options: { reference?: string }) => {
      const store = await ctx.store();
      const account = await findAccount(store, ref);
      const updated = await setBalance(ctx, account.id, target, options.reference ?? null);
      await ctx.audit('balance_set', { accountId: account.id, details: { from: account.balanceMinor, to: target } });
      showAccount(ctx, updated);
    });
}

/**
 * Reads the balance and records the difference in one transaction, the row locked on MariaDB, so
 * that a call charged meanwhile cannot make the result miss the target.
 */
async function setBalance(ctx: CliContext, accountId: number, target: MinorUnits, reference: string | null): Promise<Account> {
  const store = await ctx.store();
  const work = async (tx: Store): Promise<Account> => {
    const lock = tx.db('accounts').where({ id: accountId });
    if (isMysql(tx.db)) lock.forUpdate();
    await lock.first();
    const current = await findAccount(tx, String(accountId));
    const difference = target - current.balanceMinor;
    if (difference !== 0) {
      await tx.payments.record({
        accountId,
        amountMinor: minorUnits(difference),
        currency: current.currency,
        method: 'correction',
        reference,
        operator: ctx.operator,
        // The operator names the balance itself, below the credit limit or not.
        allowNegative: true,
      });
    }
    return findAccount(tx, String(accountId));
  };
  return inTransaction(store.db, work, () => ctx.now());
}

import { Option, type Command } from 'commander';
import { AUTH_MODES, CALLBACK_METHODS, type AccessNumber, type AccessNumberPatch, type CallbackMethod, type Store } from '../../store';
import type { JsonObject } from '../../store/rows';
import type { CliContext } from '../context';
import { invalid } from '../errors';
import { orDash, yesNo } from '../format';
import { countryOf, findAccessNumber, findAccount, phoneNumber } from '../lookup';
import { bool, hangupCause, integer } from '../parsers';
import { systemSettingsOf } from '../../settings';
import { changedOverrides, resolvedView, settingOptions, type SettingOptions } from '../setting-overrides';
import type { Column } from '../table';

/*
 * Access numbers (DIDs, T1/A3). The refusal cause and the callback delay are per-DID overrides
 * of the system settings (O3), kept in the DID's settings under the settings' own names, so the
 * call flow reads them the same way it reads the defaults.
 */
const CAUSE_KEY = 'rejectHangupCause';
const DELAY_KEY = 'delaySeconds';
const DEFAULT = 'default';

interface DidOptions extends SettingOptions {
  account?: string;
  method?: CallbackMethod;
  target?: string;
  auth?: AccessNumber['authMode'];
  hangupCause?: string;
  delay?: number | typeof DEFAULT;
  active?: boolean;
  inactive?: boolean;
}

function overrideText(value: unknown, fallback: string | number): string {
  return value === undefined ? `${fallback} (default)` : String(value);
}

const orDefault =
  <T>(parse: (text: string) => T) =>
  (text: string): T | typeof DEFAULT =>
    text === DEFAULT ? DEFAULT : parse(text);

function didOptions(command: Command): Command {
  return command
    .option('--account <account>', 'owning account, id or name ("none": not owned)')
    .addOption(new Option('--method <method>', 'whom the callback calls').choices(CALLBACK_METHODS))
    .option('--target <number>', 'the number (call_to_number), or the extension as <digits>[@<domain>] (call_extension)')
    .addOption(new Option('--auth <mode>', 'how a caller is identified').choices(AUTH_MODES))
    .option('--hangup-cause <cause>', 'cause the access call is refused with, name or Q.850 code ("default": the system setting)', orDefault(hangupCause))
    .option('--delay <seconds>', 'pause before calling back ("default": the system setting)', orDefault(integer(0, 120)));
}

export function registerAccessNumbers(program: Command, ctx: CliContext): void {
  const dids = program.command('dids').alias('access-numbers').description('access numbers (DIDs): callback method, target, authorization, refusal cause, delay');

  const columns = (): Column<AccessNumber>[] => {
    const defaults = ctx.settings().callback;
    return [
      { header: 'did', value: (d) => d.did },
      { header: 'account', value: (d) => orDash(d.accountId) },
      { header: 'method', value: (d) => d.method },
      { header: 'target', value: (d) => orDash(d.targetNumber) },
      { header: 'auth', value: (d) => d.authMode },
      { header: 'hangup cause', value: (d) => overrideText(d.settings[CAUSE_KEY], defaults.rejectHangupCause) },
      { header: 'delay', value: (d) => overrideText(d.settings[DELAY_KEY], defaults.delaySeconds) },
      { header: 'active', value: (d) => yesNo(d.active) },
    ];
  };

  const show = (accessNumber: AccessNumber) => {
    ctx.out.record(
      columns().map((column) => [column.header, column.value(accessNumber)] as const),
      accessNumber,
    );
  };

  /** The DID, then every callback setting a call to it runs with, and from where (its own, its owner's, the system's). */
  const showWithSettings = async (store: Store, accessNumber: AccessNumber) => {
    const account = accessNumber.accountId === null ? null : await store.accounts.findById(accessNumber.accountId);
    const view = resolvedView(systemSettingsOf(ctx.settings()), { account, accessNumber });
    ctx.out.record([...columns().map((column) => [column.header, column.value(accessNumber)] as const), ...view.fields], { ...accessNumber, ...view.json });
  };

  dids
    .command('list')
    .description('every access number')
    .action(async () => {
      const store = await ctx.store();
      ctx.out.list(await store.accessNumbers.list(), columns());
    });

  dids
    .command('show')
    .description('one access number with each callback setting its calls run with, and where it comes from')
    .argument('<did>', 'the access number')
    .action(async (did: string) => {
      const store = await ctx.store();
      await showWithSettings(store, await findAccessNumber(store, did, countryOf(null, ctx.settings().callback.defaultCountry)));
    });

  didOptions(dids.command('add').description('a new access number').argument('<did>', 'the number callers dial'))
    .option('--inactive', 'create it switched off')
    .action(async (input: string, options: DidOptions) => {
      const store = await ctx.store();
      const country = countryOf(null, ctx.settings().callback.defaultCountry);
      const did = phoneNumber('<did>', input, country);
      // callback.method is the method of a number added without one.
      const method = options.method ?? ctx.settings().callback.method;
      const fields = await toFields(ctx, store, { ...options, method }, method, {});
      const created = await store.accessNumbers.create({ did, ...fields, active: options.inactive !== true });
      await ctx.audit('access_number_added', { accountId: created.accountId, details: { did } });
      show(created);
    });

  settingOptions(didOptions(dids.command('set').description('change an access number, its callback setting overrides too').argument('<did>', 'the access number')))
    .addOption(new Option('--active <bool>', 'switch it on or off').argParser(bool))
    .action(async (input: string, options: DidOptions) => {
      const store = await ctx.store();
      const current = await findAccessNumber(store, input, countryOf(null, ctx.settings().callback.defaultCountry));
      const fields = await toFields(ctx, store, options, options.method ?? current.method, current.settings);
      if (options.active !== undefined) fields.active = options.active;
      if (Object.keys(fields).length === 0) throw invalid('options', 'nothing to change; see `dids set --help`');
      const updated = await store.accessNumbers.update(current.id, fields);
      await ctx.audit('access_number_changed', { accountId: current.accountId, details: { did: current.did, fields: Object.keys(fields) } });
      await showWithSettings(store, updated ?? current);
    });

  dids
    .command('remove')
    .argument('<did>', 'the access number')
    .action(async (input: string) => {
      const store = await ctx.store();
      const current = await findAccessNumber(store, input, countryOf(null, ctx.settings().callback.defaultCountry));
      await store.accessNumbers.remove(current.id);
      await ctx.audit('access_number_removed', { accountId: current.accountId, details: { did: current.did } });
      ctx.out.done(`access number ${current.did} removed`, { did: current.did, removed: true });
    });
}

/** The options given, as store fields; a call_to_number target is read as a phone number. */
async function toFields(ctx: CliContext, store: Store, options: DidOptions, method: CallbackMethod, settings: JsonObject): Promise<AccessNumberPatch> {
  const fields: AccessNumberPatch = {};
  let country = countryOf(null, ctx.settings().callback.defaultCountry);
  if (options.account !== undefined) {
    const account = options.account === 'none' ? null : await findAccount(store, options.account);
    fields.accountId = account?.id ?? null;
    country = countryOf(account, country);
  }
  if (options.method !== undefined) fields.method = options.method;
  if (options.target !== undefined) fields.targetNumber = method === 'call_to_number' ? phoneNumber('--target', options.target, country) : options.target;
  if (options.auth !== undefined) fields.authMode = options.auth;
  const next = { ...settings };
  applyOverride(next, CAUSE_KEY, options.hangupCause);
  applyOverride(next, DELAY_KEY, options.delay);
  const changed = changedOverrides(systemSettingsOf(ctx.settings()), next, 'access-number', options);
  if (changed !== undefined || options.hangupCause !== undefined || options.delay !== undefined) fields.settings = changed ?? next;
  return fields;
}

function applyOverride(settings: JsonObject, key: string, value: string | number | undefined): void {
  if (value === undefined) return;
  if (value === DEFAULT) delete settings[key];
  else settings[key] = value;
}

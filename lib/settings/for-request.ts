import type { E164 } from '../domain/phone-number';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Account } from '../store/accounts';
import type { AccessNumber } from '../store/access-numbers';
import type { JsonObject } from '../store/rows';
import { accountLayer, logBadOverrides } from './layers';
import { resolveSettings, type Resolution, type ResolvedSettings } from './resolve';
import type { SystemSettings } from './system';

/** Whose settings apply: rows already read, or null when there is none (an unidentified caller, a request without a DID). */
export interface SettingOwners {
  readonly account: Account | null;
  readonly accessNumber: AccessNumber | null;
  /** The order's own overrides (`maxRetries`, `retryIntervalSeconds`, `routingPolicy`). */
  readonly request?: JsonObject;
}

/** Every setting with its source, and the overrides skipped: what `show` commands and the API print. */
export function resolutionFor(system: SystemSettings, owners: SettingOwners): Resolution {
  return resolveSettings(system, {
    ...(owners.account ? { account: accountLayer(owners.account) } : {}),
    ...(owners.accessNumber ? { accessNumber: owners.accessNumber.settings } : {}),
    ...(owners.request ? { request: owners.request } : {}),
  });
}

/** The resolver with its log line: what every path that acts for a call uses. */
export function resolveFor(system: SystemSettings, owners: SettingOwners, logger: Logger): ResolvedSettings {
  const { settings, bad } = resolutionFor(system, owners);
  logBadOverrides(logger, bad);
  return settings;
}

/** Reads the account and the access number (by DID) a request belongs to, then resolves. */
export async function resolveForStored(
  store: Store,
  system: SystemSettings,
  ids: { readonly accountId: number | null; readonly accessDid: E164 | null; readonly request?: JsonObject },
  logger: Logger,
  // The engine reads the account once per admission (settings, pricing, limits): it passes its reader.
  readAccount: (accountId: number) => Promise<Account | null> = (accountId) => store.accounts.findById(accountId),
): Promise<ResolvedSettings> {
  const account = ids.accountId === null ? null : await readAccount(ids.accountId);
  const accessNumber = ids.accessDid === null ? null : await store.accessNumbers.findByDid(ids.accessDid);
  return resolveFor(system, { account, accessNumber, ...(ids.request ? { request: ids.request } : {}) }, logger);
}

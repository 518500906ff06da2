import type { CountryCode } from 'libphonenumber-js';
import type { CallbackEngine } from '../../callback/engine/engine';
import type { CallerIdVerification } from '../../caller-ids';
import { InvalidPhoneNumber, toE164, type E164 } from '../../domain/phone-number';
import type { SystemSettings } from '../../settings';
import type { Logger } from '../../log/logger';
import type { Account, Store } from '../../store';
import type { Clock } from '../../time/clock';
import type { WebhookTargets } from '../webhooks/webhook-targets';
import { ApiError, notFound } from './errors';

/** The part of the engine the API drives. */
export type ApiEngine = Pick<CallbackEngine, 'order' | 'cancel' | 'on'>;

/** What every route handler shares. */
export interface ApiContext {
  engine: ApiEngine;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** For national numbers of an account with no country of its own. */
  defaultCountry: string;
  /** The system layer of the settings resolver (lib/settings): callback and routing values, node names. */
  system: SystemSettings;
  /** Recordings and faxes are read from under this directory only. */
  mediaRoot: string | null;
  /** `api` for the REST API, `web` for the portal: recorded on each request ordered. */
  trigger: 'api' | 'web';
  /** Status webhook URLs are checked against it when ordered. */
  webhookTargets: WebhookTargets;
  /** Codes for the numbers subscribers register (#15 item 8). */
  verification: CallerIdVerification;
}

export async function accountOrThrow(ctx: ApiContext, accountId: number): Promise<Account> {
  const account = await ctx.store.accounts.findById(accountId);
  if (!account) throw notFound('account');
  return account;
}

/** A number as the subscriber typed it, in E.164 for the account's country. */
export function phoneNumber(ctx: ApiContext, account: Account, input: string, field: string): E164 {
  return phoneNumberIn((account.country ?? ctx.defaultCountry) as CountryCode, input, field);
}

/** A number as typed, in E.164, national numbers read in `country`; a 400 naming `field` when it is none. */
export function phoneNumberIn(country: CountryCode, input: string, field: string): E164 {
  try {
    return toE164(input, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) throw new ApiError(400, 'validation_failed', error.reason, field);
    throw error;
  }
}

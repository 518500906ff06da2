import type { CountryCode } from 'libphonenumber-js';
import type { CallerIdVerification } from '../caller-ids';
import type { SignUpSettings } from '../config/sign-up-schema';
import type { E164 } from '../domain/phone-number';
import type { Logger } from '../log/logger';
import { inTransaction, StoreConflict, type Account, type PortalUser, type Store } from '../store';
import type { Clock } from '../time/clock';

export interface SignUpRequest {
  email: string;
  password: string;
  /** The subscriber's own number: claimed at once, a code sent to it. */
  number: E164;
  /** The client's address, for the audit trail. */
  ip: string;
}

/**
 * `opened`: the account and its login exist and the number is claimed (a code sent, or why none was
 * shows on the home page). `taken`: the email has a login or names an account already, and nothing
 * was written but the audit line. The caller answers both alike, so the form does not tell a
 * visitor which emails have accounts.
 */
export type SignUpOutcome = 'opened' | 'taken';

/** The settings name a tariff that does not exist: sign-up cannot give accounts what the operator meant. */
export class SignUpMisconfigured extends Error {
  constructor(readonly setting: string, name: string) {
    super(`${setting} names tariff ${JSON.stringify(name)}, which does not exist`);
    this.name = 'SignUpMisconfigured';
  }
}

/**
 * Issue #18 item 5: a visitor opens an account and its portal login in one transaction (both or
 * neither), named by the email. The account has no money, no free sources and no verified
 * number: its number is claimed like any registration (#15 item 8), so nothing is called from it,
 * and it authorizes nothing, until the code sent to it is typed back.
 */
export class SelfSignUp {
  constructor(
    private readonly options: {
      store: Store;
      clock: Pick<Clock, 'now'>;
      logger: Logger;
      verification: CallerIdVerification;
      settings: SignUpSettings;
      /** The account's country when signUp.country is unset (callback.defaultCountry). */
      defaultCountry: string;
    },
  ) {}

  /** The country numbers typed on the sign-up form are read in. */
  get country(): CountryCode {
    return this.options.settings.country ?? (this.options.defaultCountry as CountryCode);
  }

  async signUp(request: SignUpRequest): Promise<SignUpOutcome> {
    const { store, clock, logger, verification, settings } = this.options;
    const [tariffId, callbackTariffId] = await Promise.all([this.tariffId('signUp.tariff', settings.tariff), this.tariffId('signUp.callbackTariff', settings.callbackTariff)]);
    const email = request.email.trim().toLowerCase();
    let opened: { account: Account; user: PortalUser };
    try {
      opened = await inTransaction(
        store.db,
        async (tx) => {
          const account = await tx.accounts.create({ name: email, currency: settings.currency, timeZone: settings.timeZone, country: this.country, tariffId, callbackTariffId });
          const user = await tx.portalUsers.create({ accountId: account.id, email, password: request.password });
          return { account, user };
        },
        () => clock.now(),
      );
    } catch (error) {
      // The account's name or the login: either way this email is taken.
      if (error instanceof StoreConflict) return this.taken(email, request.ip);
      throw error;
    }
    const { account, user } = opened;
    await store.auditLog.record({ kind: 'sign_up', reason: 'account_opened', accountId: account.id, details: { userId: user.id, ip: request.ip } });
    logger.info('portal sign-up: account opened', { accountId: account.id, userId: user.id, ip: request.ip });
    await verification.register(account.id, request.number, true);
    return 'opened';
  }

  /** Tells the operator (not the visitor) that someone signed up with an email in use, and by whose account. */
  private async taken(email: string, ip: string): Promise<SignUpOutcome> {
    const { store, logger } = this.options;
    // The login's account, else the account named by the email (an operator-made account without a login).
    const accountId = (await store.portalUsers.findByEmail(email))?.accountId ?? (await store.accounts.findByName(email))?.id ?? null;
    await store.auditLog.record({ kind: 'sign_up', reason: 'email_taken', accountId, details: { ip } });
    logger.warn('portal sign-up: the email has an account already; answered as if it were new', { accountId, ip });
    return 'taken';
  }

  private async tariffId(setting: string, name: string | undefined): Promise<number | null> {
    if (name === undefined) return null;
    const tariff = await this.options.store.tariffs.findTariffByName(name);
    if (!tariff) throw new SignUpMisconfigured(setting, name);
    return tariff.id;
  }
}

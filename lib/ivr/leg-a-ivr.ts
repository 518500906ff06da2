import type { CountryCode } from 'libphonenumber-js';
import type { AskDestinationInput, AskedDestination, DestinationAsker } from '../callback/engine/ask-destination';
import type { CallbackSettings } from '../config/schema';
import { isE164, type E164 } from '../domain/phone-number';
import type { CallSession } from '../esl/call-session';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Account } from '../store/accounts';
import type { AuthMode } from '../store/access-numbers';
import type { PinOwner } from '../store/pins';
import { AnnounceBalance } from './announce-balance';
import { AnnounceMaxDuration } from './announce-max-duration';
import { DestinationEntry } from './destination-entry';
import { IdentifyPayer } from './identify-payer';
import { PinEntry } from './pin-entry';
import type { PromptCatalogue } from './prompts';
import { runStep } from './step';

export interface LegAIvrOptions {
  readonly store: Store;
  readonly prompts: PromptCatalogue;
  readonly logger: Logger;
  /** A2: a right PIN remembers the caller ID so the next call skips it. */
  readonly rememberCallerId?: boolean;
  readonly destinationTries?: number;
  /** For card expiry; defaults to the wall clock. */
  readonly now?: () => number;
}

/** Whom leg A identified on its first round: the account of the request, or one named by number/card and PIN. */
interface Caller {
  /** Prices: the payer's account (a card's account, else the request's). */
  readonly account: Account;
  /** The request's language, or the payer's when leg A identified one (a stranger's PIN or card). */
  readonly language: string;
  /** Set when the IVR, not the access call, identified the payer: the engine must be told. */
  readonly chosen: PinOwner | null;
}

/**
 * C2 on leg A as the engine's DestinationAsker: balance, PIN when the access number's mode
 * needs it, destination entry, maximum duration. The engine calls `ask` again for each new
 * destination (C4); the balance and the PIN belong to the first round of a leg only.
 */
export class LegAIvr implements DestinationAsker {
  private readonly callers = new Map<string, Caller>();

  constructor(private readonly options: LegAIvrOptions) {}

  async ask(input: AskDestinationInput): Promise<AskedDestination> {
    const { store } = this.options;
    const { session, request } = input;
    let caller = this.callers.get(session.uuid);
    if (!caller) {
      const account = await store.accounts.findById(request.accountId);
      if (!account) return null;
      const identified = await this.identify(session, account, request.source, request.data.unidentified === true, await this.authMode(request.data.accessNumber), input.settings);
      if (!identified) return null;
      caller = identified;
      this.callers.set(session.uuid, caller);
      void session.ended.then(() => this.callers.delete(session.uuid));
      const payer = caller.chosen ?? { accountId: caller.account.id };
      // C2: "the system plays the actual account balance" first, unless the settings say not to.
      if (input.settings.announceBalance) await runStep(new AnnounceBalance(store, this.options.prompts, payer, caller.language), session);
    }
    const { account, chosen, language } = caller;
    const destination = await runStep(
      new DestinationEntry(store, this.options.prompts, {
        language,
        country: (account.country ?? input.settings.defaultCountry) as CountryCode,
        tariffId: account.tariffId,
        tries: this.options.destinationTries ?? 3,
        digitTimeoutMs: input.settings.digitTimeoutSeconds * 1000,
      }),
      session,
    );
    if (destination === null) return null;
    if (input.settings.announceMaxDuration) {
      // The engine's own limit (C6, both legs when one payer pays both), not a second estimate of it.
      const seconds = await input.talkSeconds(destination, chosen);
      if (seconds > 0) await runStep(new AnnounceMaxDuration(this.options.prompts, seconds, language), session);
    }
    return chosen ? { destination, payer: chosen } : destination;
  }

  /**
   * First round: the request's account when the access call identified it (PIN when the mode
   * wants one); a stranger on a `pin` number names an account and its PIN (A2); a `card` number
   * always asks the card and its PIN (A4). Null: the caller is let go (audited).
   */
  private async identify(session: CallSession, account: Account, source: E164, unidentified: boolean, mode: AuthMode, settings: CallbackSettings): Promise<Caller | null> {
    const { store, prompts } = this.options;
    const language = settings.language;
    if (!unidentified && mode !== 'card') return (await this.authenticate(session, account, source, mode, settings)) ? { account, language, chosen: null } : null;
    if (mode !== 'pin' && mode !== 'card') {
      this.options.logger.warn('leg A of an unidentified caller on an access number that asks nobody', { mode });
      await session.playback(prompts.file('goodbye', language)).catch(() => undefined);
      return null;
    }
    const result = await runStep(
      new IdentifyPayer(store, prompts, {
        kind: mode === 'card' ? 'card' : 'account',
        language,
        tries: settings.pinMaxAttempts,
        digitTimeoutMs: settings.digitTimeoutSeconds * 1000,
        lockout: { maxAttempts: settings.pinMaxAttempts, lockMs: settings.pinLockoutMinutes * 60_000 },
        now: this.options.now ?? Date.now,
      }),
      session,
    );
    if (!result.ok) {
      await store.auditLog.record({ kind: 'refused', reason: `pin_${result.reason}`, caller: source, accountId: null, details: { trigger: 'access', mode } });
      await session.playback(prompts.file('goodbye', language)).catch(() => undefined);
      return null;
    }
    const payer = result.payer;
    const payerAccountId = 'accountId' in payer ? payer.accountId : (await store.cards.findById(payer.cardId))?.accountId;
    const payerAccount = payerAccountId === null || payerAccountId === undefined ? account : await store.accounts.findById(payerAccountId);
    return payerAccount ? { account: payerAccount, language: payerAccount.language, chosen: payer } : null;
  }

  private async authMode(accessDid: unknown): Promise<AuthMode> {
    if (typeof accessDid !== 'string' || !isE164(accessDid)) return 'none';
    return (await this.options.store.accessNumbers.findByDid(accessDid))?.authMode ?? 'none';
  }

  /**
   * `ani_pin` always asks (a caller ID can be spoofed, A1); `pin` asks unless this caller ID is
   * authorized for the account (entered in the portal, or remembered after an earlier PIN).
   */
  private async authenticate(session: CallSession, account: Account, source: E164, mode: AuthMode, settings: CallbackSettings): Promise<boolean> {
    const { store } = this.options;
    if (mode !== 'pin' && mode !== 'ani_pin') return true;
    const callerId = await store.callerIds.findByNumber(source);
    const known = callerId?.accountId === account.id && callerId.allowAuthorization;
    if (mode === 'pin' && known) return true;
    const result = await runStep(
      new PinEntry(store, this.options.prompts, {
        owner: { accountId: account.id },
        language: settings.language,
        tries: settings.pinMaxAttempts,
        digitTimeoutMs: settings.digitTimeoutSeconds * 1000,
        lockout: { maxAttempts: settings.pinMaxAttempts, lockMs: settings.pinLockoutMinutes * 60_000 },
        remember: mode === 'pin' && (this.options.rememberCallerId ?? true) ? { accountId: account.id, callerId: source } : null,
      }),
      session,
    );
    if (result !== 'ok') await store.auditLog.record({ kind: 'refused', reason: `pin_${result}`, caller: source, accountId: account.id, details: { trigger: 'access' } });
    return result === 'ok';
  }
}

import type { CountryCode } from 'libphonenumber-js';
import { DEFAULT_CAP_SECONDS, maxCallSeconds } from '../billing';
import type { AskDestinationInput, DestinationAsker } from '../callback/engine/ask-destination';
import type { CallbackSettings } from '../config/schema';
import { isE164, type E164 } from '../domain/phone-number';
import type { CallSession } from '../esl/call-session';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { Account } from '../store/accounts';
import type { AuthMode } from '../store/access-numbers';
import { AnnounceBalance } from './announce-balance';
import { AnnounceMaxDuration } from './announce-max-duration';
import { DestinationEntry } from './destination-entry';
import { PinEntry } from './pin-entry';
import type { PromptCatalogue } from './prompts';
import { runStep } from './step';

export interface LegAIvrOptions {
  readonly store: Store;
  readonly prompts: PromptCatalogue;
  readonly settings: CallbackSettings;
  readonly logger: Logger;
  /** C2: "the system plays the actual account balance" first. */
  readonly announceBalance?: boolean;
  readonly announceMaxDuration?: boolean;
  /** A2: a right PIN remembers the caller ID so the next call skips it. */
  readonly rememberCallerId?: boolean;
  readonly destinationTries?: number;
  readonly capSeconds?: number;
}

/**
 * C2 on leg A as the engine's DestinationAsker: balance, PIN when the access number's mode
 * needs it, destination entry, maximum duration. The engine calls `ask` again for each new
 * destination (C4); the balance and the PIN belong to the first round of a leg only.
 */
export class LegAIvr implements DestinationAsker {
  private readonly greeted = new Set<string>();

  constructor(private readonly options: LegAIvrOptions) {}

  async ask(input: AskDestinationInput): Promise<E164 | null> {
    const { store } = this.options;
    const { session, request } = input;
    const account = await store.accounts.findById(request.accountId);
    if (!account) return null;
    const language = account.language;
    const firstRound = !this.greeted.has(session.uuid);
    if (firstRound) {
      this.greeted.add(session.uuid);
      void session.ended.then(() => this.greeted.delete(session.uuid));
      if (request.data.unidentified === true) {
        // Who pays leg B is only known once the PIN or card said so, and the engine has no way
        // yet to take a payer from the IVR (lib/ivr/README.md): such a caller is let go.
        this.options.logger.warn('leg A of an unidentified caller; payer change not supported yet', { requestId: request.id });
        await session.playback(this.options.prompts.file('goodbye', language)).catch(() => undefined);
        return null;
      }
      if (!(await this.authenticate(session, account, request.source, await this.authMode(request.data.accessNumber)))) return null;
      if (this.options.announceBalance ?? true) await runStep(new AnnounceBalance(store, this.options.prompts, account.id, language), session);
    }
    const destination = await runStep(
      new DestinationEntry(store, this.options.prompts, {
        language,
        country: (account.country ?? input.defaultCountry) as CountryCode,
        tariffId: account.tariffId,
        tries: this.options.destinationTries ?? 3,
        digitTimeoutMs: input.digitTimeoutMs,
      }),
      session,
    );
    if (destination === null) return null;
    if (this.options.announceMaxDuration ?? true) {
      const seconds = await this.maxSeconds(account, destination);
      if (seconds > 0) await runStep(new AnnounceMaxDuration(this.options.prompts, seconds, language), session);
    }
    return destination;
  }

  private async authMode(accessDid: unknown): Promise<AuthMode> {
    if (typeof accessDid !== 'string' || !isE164(accessDid)) return 'none';
    return (await this.options.store.accessNumbers.findByDid(accessDid))?.authMode ?? 'none';
  }

  /**
   * `ani_pin` always asks (a caller ID can be spoofed, A1); `pin` asks unless this caller ID is
   * authorized for the account (entered in the portal, or remembered after an earlier PIN).
   */
  private async authenticate(session: CallSession, account: Account, source: E164, mode: AuthMode): Promise<boolean> {
    const { store, settings } = this.options;
    if (mode !== 'pin' && mode !== 'ani_pin') return true;
    const callerId = await store.callerIds.findByNumber(source);
    const known = callerId?.accountId === account.id && callerId.allowAuthorization;
    if (mode === 'pin' && known) return true;
    const result = await runStep(
      new PinEntry(store, this.options.prompts, {
        owner: { accountId: account.id },
        language: account.language,
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

  private async maxSeconds(account: Account, destination: E164): Promise<number> {
    const { store } = this.options;
    const rate = account.tariffId === null ? null : await store.tariffs.findRateByLongestPrefix(account.tariffId, destination);
    const balance = await store.accounts.balance(account.id);
    if (!rate || !balance) return 0;
    return maxCallSeconds({ rate, availableMinor: balance.availableMinor, capSeconds: this.options.capSeconds ?? DEFAULT_CAP_SECONDS });
  }
}

import type { CallSession } from '../esl/call-session';
import type { Store } from '../store';
import type { PinOwner } from '../store/pins';
import { PinEntry, type PinResult } from './pin-entry';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

export interface IdentifyPayerOptions {
  /** A2: an account number (the account's id) then its PIN; A4: a calling card's number then its PIN. */
  readonly kind: 'account' | 'card';
  readonly language: string;
  readonly tries: number;
  readonly digitTimeoutMs: number;
  readonly lockout: { maxAttempts: number; lockMs: number };
  readonly now: () => number;
}

export type IdentifyResult = { readonly ok: true; readonly payer: PinOwner } | { readonly ok: false; readonly reason: PinResult | 'unknown_number' };

/**
 * A2/A4 for a caller nobody identified: the number of an active account or calling card, then
 * its PIN (lockout across calls is the store's). Writes nothing but pins.verify's counters.
 */
export class IdentifyPayer implements IvrStep<IdentifyResult> {
  readonly name = 'identify-payer';

  constructor(
    private readonly store: Store,
    private readonly prompts: PromptCatalogue,
    private readonly options: IdentifyPayerOptions,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<IdentifyResult> {
    const { options, prompts } = this;
    for (let attempt = 1; attempt <= options.tries; attempt += 1) {
      const digits = await session.playAndGetDigits({
        min: 1,
        max: 32,
        tries: 1,
        timeoutMs: options.digitTimeoutMs,
        digitTimeoutMs: options.digitTimeoutMs,
        terminators: '#',
        file: prompts.file(options.kind === 'card' ? 'enterCardNumber' : 'enterAccount', options.language),
        regexp: '^[0-9]+$',
        signal,
      });
      if (digits === '') continue;
      const owner = await this.owner(digits);
      if (!owner) {
        await session.playback(prompts.file('unknownNumber', options.language), { signal });
        continue;
      }
      const pin = await new PinEntry(this.store, prompts, {
        owner,
        language: options.language,
        tries: options.tries,
        digitTimeoutMs: options.digitTimeoutMs,
        lockout: options.lockout,
        remember: null,
      }).exec(session, signal);
      return pin === 'ok' ? { ok: true, payer: owner } : { ok: false, reason: pin };
    }
    return { ok: false, reason: 'unknown_number' };
  }

  private async owner(digits: string): Promise<PinOwner | null> {
    if (this.options.kind === 'card') {
      const card = await this.store.cards.findByNumber(digits);
      const usable = card && card.active && (card.expiresAt === null || card.expiresAt > this.options.now()) && card.balanceMinor > 0;
      return usable ? { cardId: card.id } : null;
    }
    if (!/^[1-9][0-9]{0,9}$/.test(digits) || Number(digits) > 2_147_483_647) return null;
    const account = await this.store.accounts.findById(Number(digits));
    return account?.active ? { accountId: account.id } : null;
  }
}

import type { E164 } from '../domain/phone-number';
import type { CallSession } from '../esl/call-session';
import type { Store } from '../store';
import type { PinOwner } from '../store/pins';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

export interface PinEntryOptions {
  readonly owner: PinOwner;
  readonly language: string;
  /** Entries on this call before giving up; the lockout across calls is the store's (pins.verify). */
  readonly tries: number;
  readonly digitTimeoutMs: number;
  readonly lockout: { maxAttempts: number; lockMs: number };
  /** A2: after a right PIN, remember this caller ID for the account so the next call skips the PIN. */
  readonly remember: { accountId: number; callerId: E164 } | null;
}

export type PinResult = 'ok' | 'wrong' | 'locked' | 'no_pin';

/** A2/A4/A5: asks for the PIN until right, out of tries, or locked. */
export class PinEntry implements IvrStep<PinResult> {
  readonly name = 'pin-entry';

  constructor(
    private readonly store: Store,
    private readonly prompts: PromptCatalogue,
    private readonly options: PinEntryOptions,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<PinResult> {
    const { options, prompts } = this;
    for (let attempt = 1; attempt <= options.tries; attempt += 1) {
      const pin = await session.playAndGetDigits({
        min: 4,
        max: 12,
        tries: 1,
        timeoutMs: options.digitTimeoutMs,
        digitTimeoutMs: options.digitTimeoutMs,
        terminators: '#',
        file: prompts.file('enterPin', options.language),
        regexp: '^[0-9]{4,12}$',
        signal,
      });
      if (pin === '') continue;
      const check = await this.store.pins.verify(options.owner, pin, options.lockout);
      if (check.ok) {
        if (options.remember) await this.store.callerIds.remember(options.remember.accountId, options.remember.callerId);
        return 'ok';
      }
      if (check.reason === 'no_pin') return 'no_pin';
      if (check.reason === 'locked') {
        await session.playback(prompts.file('pinLocked', options.language), { signal });
        return 'locked';
      }
      await session.playback(prompts.file('wrongPin', options.language), { signal });
    }
    return 'wrong';
  }
}

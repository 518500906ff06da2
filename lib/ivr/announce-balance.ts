import type { CallSession } from '../esl/call-session';
import { cardAvailableMinor, type Store } from '../store';
import type { PinOwner } from '../store/pins';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

/** C2: "your balance is" + the available amount (an account's balance + credit − held; a card's balance − held), in the caller's language. */
export class AnnounceBalance implements IvrStep<void> {
  readonly name = 'announce-balance';

  constructor(
    private readonly store: Store,
    private readonly prompts: PromptCatalogue,
    private readonly payer: PinOwner,
    private readonly language: string,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<void> {
    const available = await availableMinor(this.store, this.payer);
    if (available === null) return;
    await session.playback(this.prompts.file('yourBalanceIs', this.language), { signal });
    await session.sayMoney(Math.max(0, available) / 100, { signal, language: this.prompts.sayLanguage(this.language) });
  }
}

/** What a payer may spend now, in minor units; null when it is gone. */
export async function availableMinor(store: Store, payer: PinOwner): Promise<number | null> {
  if ('cardId' in payer) {
    const card = await store.cards.findById(payer.cardId);
    return card ? cardAvailableMinor(card) : null;
  }
  return (await store.accounts.balance(payer.accountId))?.availableMinor ?? null;
}

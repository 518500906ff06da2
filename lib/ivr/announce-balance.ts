import type { CallSession } from '../esl/call-session';
import type { Store } from '../store';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

/** C2: "your balance is" + the available amount (balance + credit − held), in the account's language. */
export class AnnounceBalance implements IvrStep<void> {
  readonly name = 'announce-balance';

  constructor(
    private readonly store: Store,
    private readonly prompts: PromptCatalogue,
    private readonly accountId: number,
    private readonly language: string,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<void> {
    const balance = await this.store.accounts.balance(this.accountId);
    if (!balance) return;
    await session.playback(this.prompts.file('yourBalanceIs', this.language), { signal });
    await session.sayMoney(Math.max(0, balance.availableMinor) / 100, { signal, language: this.prompts.sayLanguage(this.language) });
  }
}

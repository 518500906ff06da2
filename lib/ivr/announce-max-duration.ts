import type { CallSession } from '../esl/call-session';
import type { PromptCatalogue } from './prompts';
import type { IvrStep } from './step';

/** C2/C6: "you can talk for" + the longest affordable talk, before B is dialed. */
export class AnnounceMaxDuration implements IvrStep<void> {
  readonly name = 'announce-max-duration';

  constructor(
    private readonly prompts: PromptCatalogue,
    private readonly seconds: number,
    private readonly language: string,
  ) {}

  async exec(session: CallSession, signal: AbortSignal): Promise<void> {
    await session.playback(this.prompts.file('youCanTalkFor', this.language), { signal });
    await session.sayDuration(this.seconds, { signal, language: this.prompts.sayLanguage(this.language) });
  }
}

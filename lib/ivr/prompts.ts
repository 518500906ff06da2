/**
 * C2 prompt catalogue: every sound the leg-A IVR plays, by name, so an operator can replace a
 * file (or add a language) without touching code. Files are `<dir>/<language>/<file>.wav`;
 * numbers, money and durations are spoken by FreeSWITCH's mod_say in the same language.
 */
export const PROMPTS = {
  yourBalanceIs: 'ivr/your_balance_is',
  enterPin: 'ivr/enter_pin',
  wrongPin: 'ivr/wrong_pin',
  pinLocked: 'ivr/pin_locked',
  enterAccount: 'ivr/enter_account',
  enterCardNumber: 'ivr/enter_card_number',
  unknownNumber: 'ivr/unknown_number',
  enterDestination: 'ivr/enter_destination',
  destinationNotAllowed: 'ivr/destination_not_allowed',
  youCanTalkFor: 'ivr/you_can_talk_for',
  goodbye: 'ivr/goodbye',
} as const;

export type PromptName = keyof typeof PROMPTS;

export class PromptCatalogue {
  private readonly dir: string;

  constructor(
    dir: string,
    private readonly overrides: Partial<Record<PromptName, string>> = {},
    readonly fallbackLanguage = 'en',
  ) {
    this.dir = dir.replace(/\/+$/, '');
  }

  /** The file FreeSWITCH opens for `name` in `language` (the account's), falling back to the default language. */
  file(name: PromptName, language?: string): string {
    const lang = language && /^[a-z]{2,3}$/.test(language) ? language : this.fallbackLanguage;
    return `${this.dir}/${lang}/${this.overrides[name] ?? PROMPTS[name]}.wav`;
  }

  /** mod_say's module name for a language (`en`, `de`, …). */
  sayLanguage(language?: string): string {
    return language && /^[a-z]{2,3}$/.test(language) ? language : this.fallbackLanguage;
  }
}

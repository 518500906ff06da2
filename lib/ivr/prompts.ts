import { LANGUAGE_PATTERN, type PromptFiles } from './prompt-files';

/**
 * C2 prompt catalogue: every sound the leg-A IVR plays, by name, so an operator can replace a
 * file (or add a language) without touching code. Files are located by `PromptFiles`;
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
  constructor(
    private readonly files: PromptFiles,
    private readonly overrides: Partial<Record<PromptName, string>> = {},
  ) {}

  /** The file FreeSWITCH opens for `name` in `language` (the request's), else in the default language. */
  file(name: PromptName, language?: string): string {
    return this.files.file(this.overrides[name] ?? PROMPTS[name], language);
  }

  /** mod_say's module name for a language (`en`, `de`, …). */
  sayLanguage(language?: string): string {
    return language !== undefined && LANGUAGE_PATTERN.test(language) ? language : this.files.defaultLanguage;
  }
}

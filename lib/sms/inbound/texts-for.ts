import { ENGLISH, type SmsTexts } from './replies';
import { FRENCH } from './replies-fr';

/** Every language with SMS texts of its own; add a table here to add one. */
const TABLES: Readonly<Record<string, Partial<SmsTexts>>> = { en: ENGLISH, fr: FRENCH };

/** The texts for `language` (the account's resolved one), each text the table lacks in English. */
export function smsTexts(language: string): SmsTexts {
  return { ...ENGLISH, ...TABLES[language] };
}

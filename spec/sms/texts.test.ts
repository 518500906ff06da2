import { ORDER_REFUSAL_CODES } from '../../lib/domain/order-refusal';
import type { E164 } from '../../lib/domain/phone-number';
import { ENGLISH } from '../../lib/sms/inbound/replies';
import { FRENCH } from '../../lib/sms/inbound/replies-fr';
import { smsTexts } from '../../lib/sms/inbound/texts-for';
import { isGsm7 } from '../../lib/sms/outbound/gsm';
import type { MinorUnits } from '../../lib/domain/money';
import type { ParseErrorCode } from '../../lib/sms/parser/commands';

const NUMBER = '+4915112345678' as E164;

/** Every parse error code, kept complete by its type. */
const PARSE_CODES = Object.keys({
  empty: true,
  unknown_command: true,
  empty_field: true,
  missing_number: true,
  missing_code: true,
  too_many_numbers: true,
  same_numbers: true,
  unexpected_argument: true,
  invalid_number: true,
  invalid_date: true,
  invalid_time: true,
  date_needs_time: true,
  out_of_order: true,
  nonexistent_time: true,
  time_past: true,
  too_far_ahead: true,
  invalid_zone: true,
} satisfies Record<ParseErrorCode, true>) as ParseErrorCode[];

/** Every text of a table, with sample arguments. */
function samples(texts: Partial<typeof ENGLISH>): string[] {
  const call = { first: NUMBER, second: NUMBER, due: '12:00' } as const;
  const made = [
    texts.queued?.({ ...call, what: 'conference', simultaneous: true }),
    texts.queued?.({ ...call, what: 'redial', simultaneous: false, due: null }),
    ...ORDER_REFUSAL_CODES.map((code) => texts.refused?.('callback', { code, reason: `the reason for ${code}` })),
    texts.nothingToRedial,
    texts.ownNumber,
    texts.registered?.(NUMBER),
    texts.alreadyRegistered?.(NUMBER),
    texts.codeSent?.(NUMBER),
    texts.codeTooSoon?.(NUMBER, 30),
    texts.noMoreCodes?.(NUMBER),
    texts.verified?.(NUMBER),
    texts.codeFailed?.(NUMBER),
    texts.codeLocked?.(600),
    texts.unregistered?.(NUMBER),
    texts.notRegistered?.(NUMBER),
    texts.reglist?.([]),
    texts.reglist?.([NUMBER]),
    texts.balance?.({ balanceMinor: 150 as MinorUnits, availableMinor: 100 as MinorUnits }, 'EUR'),
    texts.unauthorized,
    texts.rateLimited?.({ limit: 10, windowMs: 600_000 }, 90_000),
    ...PARSE_CODES.map((code) => texts.notUnderstood?.({ code, reason: `the reason for ${code}` })),
  ];
  return made.filter((text): text is string => text !== undefined);
}

describe('SMS texts per language', () => {
  it('keeps every English and French text to the GSM 7-bit alphabet', () => {
    for (const text of [...samples(ENGLISH), ...samples(FRENCH)]) expect({ text, gsm: isGsm7(text) }).toEqual({ text, gsm: true });
  });

  it('writes French where the table has it, English for each text it lacks', () => {
    const fr = smsTexts('fr');
    expect(fr.balance({ balanceMinor: 150 as MinorUnits, availableMinor: 100 as MinorUnits }, 'EUR')).toBe('Solde: 1.50 EUR. Disponible: 1.00 EUR.');
    expect(fr.queued({ what: 'conference', first: NUMBER, second: NUMBER, simultaneous: true, due: '12:00' })).toMatch(/^Conférence prévue à 12:00 : /);
    expect(fr.rateLimited({ limit: 10, windowMs: 600_000 }, 90_000)).toBe(
      'Trop de messages : nous en traitons au plus 10 par 10 minutes et par numéro. Les suivants sont ignorés ; réessayez dans 2 minutes.',
    );
  });

  it("says the parser's reasons in French from their code, each its own, and in English as the parser wrote them", () => {
    const fr = PARSE_CODES.map((code) => smsTexts('fr').notUnderstood({ code, reason: 'unknown command' }));
    expect(new Set(fr).size).toBe(PARSE_CODES.length);
    expect(smsTexts('fr').notUnderstood({ code: 'invalid_date', reason: 'date 31.02.2027 does not exist' })).toBe(
      'Date invalide : écrivez JJ.MM.AAAA, par exemple 30.04.2027, une date qui existe.',
    );
    expect(ENGLISH.notUnderstood({ code: 'unknown_command', reason: 'unknown command' })).toBe('Unknown command.');
  });

  it("says the engine's refusals in French from their code, each its own, and in English as the engine wrote them", () => {
    const fr = ORDER_REFUSAL_CODES.map((code) => smsTexts('fr').refused('callback', { code, reason: 'source: +33612345678 is not one of the account' }));
    expect(new Set(fr).size).toBe(ORDER_REFUSAL_CODES.length);
    expect(smsTexts('fr').refused('conference', { code: 'callback_disabled', reason: 'callback is switched off for this account' })).toBe(
      'Conférence refusée : le rappel est désactivé pour ce compte.',
    );
    expect(ENGLISH.refused('callback', { code: 'unverified_source', reason: "source: +33612345678 is not one of the account's verified numbers" })).toBe(
      "Callback refused: source: +33612345678 is not one of the account's verified numbers.",
    );
  });

  it('writes English for a language without a table', () => {
    expect(smsTexts('de')).toEqual(ENGLISH);
    expect(smsTexts('en')).toEqual(ENGLISH);
  });
});

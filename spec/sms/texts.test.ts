import type { E164 } from '../../lib/domain/phone-number';
import { ENGLISH } from '../../lib/sms/inbound/replies';
import { FRENCH } from '../../lib/sms/inbound/replies-fr';
import { smsTexts } from '../../lib/sms/inbound/texts-for';
import { isGsm7 } from '../../lib/sms/outbound/gsm';
import type { MinorUnits } from '../../lib/domain/money';

const NUMBER = '+4915112345678' as E164;

/** Every text of a table, with sample arguments. */
function samples(texts: Partial<typeof ENGLISH>): string[] {
  const call = { first: NUMBER, second: NUMBER, due: '12:00' } as const;
  const made = [
    texts.queued?.({ ...call, what: 'conference', simultaneous: true }),
    texts.queued?.({ ...call, what: 'redial', simultaneous: false, due: null }),
    texts.refused?.('callback', 'no funds'),
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
    expect(fr.refused('conference', 'no funds')).toBe('Conférence refusée : no funds.');
    expect(fr.queued({ what: 'conference', first: NUMBER, second: NUMBER, simultaneous: true, due: '12:00' })).toMatch(/^Conférence prévue à 12:00 : /);
    expect(fr.notUnderstood('unknown command')).toBe('Unknown command.');
  });

  it('writes English for a language without a table', () => {
    expect(smsTexts('de')).toEqual(ENGLISH);
    expect(smsTexts('en')).toEqual(ENGLISH);
  });
});

import { CarrierNumberError, carrierCallerId, carrierDialNumber } from '../../lib/routing/carrier-dial';
import { carrier, e164 } from './fixtures';

describe('carrierDialNumber', () => {
  it.each([
    [0, '', '4930123456'],
    [0, '00', '004930123456'],
    [2, '0', '030123456'],
    [2, '', '30123456'],
    [0, '1234#', undefined],
  ])('strip %i, prefix %j: +4930123456 → %s', (stripDigits, dialPrefix, expected) => {
    const rules = carrier(1, 'c', { stripDigits, dialPrefix });
    if (expected === undefined) expect(() => carrierDialNumber(rules, e164('+4930123456'))).toThrow(CarrierNumberError);
    else expect(carrierDialNumber(rules, e164('+4930123456'))).toBe(expected);
  });

  it('refuses to strip the whole number, or a nonsense count, naming the carrier', () => {
    expect(() => carrierDialNumber(carrier(1, 'tiny', { stripDigits: 4 }), e164('+4930'))).toThrow('carrier tiny cannot dial +4930: cannot strip 4 of its 4 digits');
    expect(() => carrierDialNumber(carrier(1, 'c', { stripDigits: -1 }), e164('+4930'))).toThrow(CarrierNumberError);
    expect(() => carrierDialNumber(carrier(1, 'c', { stripDigits: 1.5 }), e164('+4930'))).toThrow(CarrierNumberError);
  });
});

describe('carrierCallerId', () => {
  const chosen = e164('+15550001111');
  const own = e164('+15559990000');

  it.each([
    ['pass', null, chosen, { kind: 'number', number: chosen }],
    ['pass', own, undefined, { kind: 'carrier_default' }],
    ['fixed', own, chosen, { kind: 'number', number: own }],
    ['fixed', null, chosen, { kind: 'carrier_default' }],
    ['anonymous', own, chosen, { kind: 'anonymous' }],
  ] as const)('%s with carrier number %s and chosen %s', (callerIdMode, callerIdNumber, presented, expected) => {
    expect(carrierCallerId({ callerIdMode, callerIdNumber }, presented)).toEqual(expected);
  });
});

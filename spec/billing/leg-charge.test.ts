import { chargeTarget, type ChargeQuestion } from '../../lib/billing';

const OPERATOR = 1;

describe('chargeTarget', () => {
  it.each<[string, Omit<ChargeQuestion, 'operatorCallbackAccountId'>, ReturnType<typeof chargeTarget>]>([
    ['identified leg A: the account', { leg: 'A', identifiedAccountId: 7, cardId: null }, { kind: 'account', accountId: 7 }],
    ['identified leg B: the account', { leg: 'B', identifiedAccountId: 7, cardId: undefined }, { kind: 'account', accountId: 7 }],
    ['identified leg C: the account', { leg: 'C', identifiedAccountId: 7, cardId: null }, { kind: 'account', accountId: 7 }],
    ['card leg A: the card', { leg: 'A', identifiedAccountId: null, cardId: 9 }, { kind: 'card', cardId: 9 }],
    ['card leg B: the card', { leg: 'B', identifiedAccountId: undefined, cardId: 9 }, { kind: 'card', cardId: 9 }],
    ['card and caller-ID account: the card', { leg: 'B', identifiedAccountId: 7, cardId: 9 }, { kind: 'card', cardId: 9 }],
    ['unidentified leg A: the operator (A6)', { leg: 'A', identifiedAccountId: null, cardId: null }, { kind: 'operator', accountId: OPERATOR }],
    ['unidentified leg A, fields absent: the operator', { leg: 'A', identifiedAccountId: undefined, cardId: undefined }, { kind: 'operator', accountId: OPERATOR }],
  ])('%s', (_name, question, expected) => {
    expect(chargeTarget({ ...question, operatorCallbackAccountId: OPERATOR })).toEqual(expected);
  });

  it.each(['B', 'C'] as const)('refuses an unidentified leg %s', (leg) => {
    expect(chargeTarget({ leg, identifiedAccountId: null, cardId: null, operatorCallbackAccountId: OPERATOR })).toEqual({
      kind: 'refuse',
      reason: `leg ${leg} is dialed only for an identified account or card`,
    });
  });

  it('refuses ids that are not positive whole numbers', () => {
    expect(() => chargeTarget({ leg: 'A', identifiedAccountId: null, cardId: null, operatorCallbackAccountId: 0 })).toThrow(/operatorCallbackAccountId/);
    expect(() => chargeTarget({ leg: 'A', identifiedAccountId: 1.5, cardId: null, operatorCallbackAccountId: 1 })).toThrow(/identifiedAccountId/);
    expect(() => chargeTarget({ leg: 'A', identifiedAccountId: null, cardId: -3, operatorCallbackAccountId: 1 })).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { longestPrefixMatch, prefixMatcher } from '../../lib/billing';

const rates = ['4', '44', '447', '4479'].map((prefix) => ({ prefix, label: `rate ${prefix}` }));

describe.each([
  ['longestPrefixMatch', (list: typeof rates, number: string) => longestPrefixMatch(list, number)],
  ['prefixMatcher', (list: typeof rates, number: string) => prefixMatcher(list)(number)],
])('%s', (_name, match) => {
  it.each([
    ['+447911123456', '4479'],
    ['447911123456', '4479'],
    ['+447811123456', '447'],
    ['+442079460000', '44'],
    ['+4930123456', '4'],
    ['4479', '4479'],
    ['447', '447'],
    ['4', '4'],
  ])('%s → %s', (number, prefix) => {
    expect(match(rates, number)?.prefix).toBe(prefix);
  });

  it.each(['+33123456789', '5', '+1'])('%s has no rate, so it is not dialed', (number) => {
    expect(match(rates, number)).toBeUndefined();
  });

  it('finds nothing in an empty tariff', () => {
    expect(match([], '+447911123456')).toBeUndefined();
  });

  it('ignores an empty prefix rather than making it a catch-all', () => {
    expect(match([{ prefix: '', label: 'everything' }, ...rates], '+33123')).toBeUndefined();
    expect(match([{ prefix: '', label: 'everything' }, ...rates], '+4412')?.prefix).toBe('44');
  });

  it('takes the first of two rates with the same prefix', () => {
    const duplicated = [...rates, { prefix: '447', label: 'second' }];
    expect(match(duplicated, '+4478')?.label).toBe('rate 447');
  });

  it.each(['', '+', '44a', ' 447', '++44', '+44 79', '44*'])('refuses %p as not a number', (number) => {
    expect(() => match(rates, number)).toThrow(RangeError);
    expect(() => match(rates, number)).toThrow(/expected digits/);
  });
});

describe('longest-prefix properties', () => {
  const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2'), minLength: 1, maxLength: max });
  const tariff = fc.array(digits(4).map((prefix) => ({ prefix })), { maxLength: 30 });

  it('picks the longest matching prefix, and both implementations agree', () => {
    fc.assert(
      fc.property(tariff, digits(8), (list, number) => {
        const found = longestPrefixMatch(list, number);
        expect(prefixMatcher(list)(number)).toBe(found);
        const matching = list.filter((rate) => number.startsWith(rate.prefix));
        if (!found) {
          expect(matching).toEqual([]);
          return;
        }
        expect(number.startsWith(found.prefix)).toBe(true);
        expect(Math.max(...matching.map((rate) => rate.prefix.length))).toBe(found.prefix.length);
      }),
    );
  });
});

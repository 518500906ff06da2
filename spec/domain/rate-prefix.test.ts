import fc from 'fast-check';
import type { Extension } from '../../lib/domain/call-endpoint';
import { extensionRatePrefixes, isExtensionRatePrefix, longestOf, ratePrefixProblem } from '../../lib/domain/rate-prefix';
import { prefixesOf } from '../../lib/store/tariffs-rates';

const ext = (digits: string) => digits as Extension;

describe('rate prefixes: digits for numbers, ext: for extensions (issue #17 item 5)', () => {
  it.each(['4', '49', '123456789012345', 'ext:', 'ext:1', 'ext:1001', 'ext:12345678901'])('%p is a prefix', (prefix) => {
    expect(ratePrefixProblem(prefix)).toBeNull();
  });

  it.each([
    ['', 'expected 1 to 15 digits (the number without +), or ext: and up to 11 digits for extension legs (got "")'],
    ['1234567890123456', 'expected 1 to 15 digits (the number without +), or ext: and up to 11 digits for extension legs (got "1234567890123456")'],
    ['+49', 'expected the digits without + (got "+49")'],
    ['49 30', 'expected 1 to 15 digits (the number without +), or ext: and up to 11 digits for extension legs (got "49 30")'],
    ['EXT:1', 'expected ext: in lower case (got "EXT:1")'],
    ['Ext:', 'expected ext: in lower case (got "Ext:")'],
    ['ext:12a', 'expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:12a")'],
    ['ext:123456789012', 'expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:123456789012")'],
    ['ext:+1', 'expected ext: followed by at most 11 digits of the extension, or ext: alone for every extension (got "ext:+1")'],
    ['ext', 'expected 1 to 15 digits (the number without +), or ext: and up to 11 digits for extension legs (got "ext")'],
    ['ext1001', 'expected 1 to 15 digits (the number without +), or ext: and up to 11 digits for extension legs (got "ext1001")'],
  ])('%p is refused precisely', (text, message) => {
    expect(ratePrefixProblem(text)).toBe(message);
  });

  it('tells an extension prefix from a number prefix', () => {
    expect(['ext:', 'ext:10'].map(isExtensionRatePrefix)).toEqual([true, true]);
    expect(['10', '', 'ext:x', 'EXT:1'].map(isExtensionRatePrefix)).toEqual([false, false, false, false]);
  });

  it('looks an extension up by its ext: prefixes, longest first, down to ext: alone', () => {
    expect(extensionRatePrefixes(ext('1001'))).toEqual(['ext:1001', 'ext:100', 'ext:10', 'ext:1', 'ext:']);
    expect(extensionRatePrefixes(ext('7'))).toEqual(['ext:7', 'ext:']);
  });

  it('matches a 16-digit extension on its first 11 digits, the longest a stored prefix can be', () => {
    const prefixes = extensionRatePrefixes(ext('1234567890123456'));
    expect(prefixes[0]).toBe('ext:12345678901');
    expect(prefixes).toHaveLength(12);
    expect(prefixes.every((prefix) => ratePrefixProblem(prefix) === null)).toBe(true);
  });

  it("never shares a prefix with a number's look-up, whatever the digits", () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '4', '9'), minLength: 1, maxLength: 15 });
    fc.assert(
      fc.property(digits, (number) => {
        const numberPrefixes = new Set(prefixesOf(number));
        expect(extensionRatePrefixes(ext(number)).filter((prefix) => numberPrefixes.has(prefix))).toEqual([]);
        expect(extensionRatePrefixes(ext(number)).every(isExtensionRatePrefix)).toBe(true);
        expect(prefixesOf(number).some(isExtensionRatePrefix)).toBe(false);
      }),
    );
  });

  it('picks the longest of the rates found, the first of equals, none of nothing', () => {
    const found = [{ prefix: 'ext:', n: 1 }, { prefix: 'ext:10', n: 2 }, { prefix: 'ext:1', n: 3 }, { prefix: 'ext:10', n: 4 }];
    expect(longestOf(found)).toEqual({ prefix: 'ext:10', n: 2 });
    expect(longestOf([])).toBeNull();
  });
});

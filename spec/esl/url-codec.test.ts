import fc from 'fast-check';
import { eslUrlDecode, eslUrlEncode } from '../../lib/esl/wire';

/** switch_url_encode as written in src/switch_utils.c: byte by byte over the UTF-8 form. */
function switchUrlEncode(value: string): string {
  const escaped = new Set(' \r\n#%&+:;<=>?@[\\]^`{|}"'.split('').map((c) => c.charCodeAt(0)));
  const isHex = (byte: number | undefined): boolean => byte !== undefined && /[0-9A-Fa-f]/.test(String.fromCharCode(byte));
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  bytes.forEach((byte, i) => {
    const alreadyEscaped = byte === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2]);
    out += !alreadyEscaped && (byte < 0x20 || byte > 0x7e || escaped.has(byte)) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  });
  return out;
}

/** Text made of the parts that matter to the encoder: escapes, broken escapes, non-ASCII, controls. */
const text = fc
  .array(fc.oneof(fc.constantFrom('%', '%4', '%zz', '%4a', 'ü', '€', '😀', '\ud800', '\x7f', '\x00', ' ', ':'), fc.string({ maxLength: 3 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('eslUrlEncode', () => {
  it.each([
    ['CHANNEL_ANSWER', 'CHANNEL_ANSWER'],
    ['Mon, 07 Dec 2026 05:13:42 GMT', 'Mon,%2007%20Dec%202026%2005%3A13%3A42%20GMT'],
    ['sofia/gateway/carrier/+15550001', 'sofia/gateway/carrier/%2B15550001'],
    ['100% done %41', '100%25%20done%20%41'],
    ['Müller €', 'M%C3%BCller%20%E2%82%AC'],
    ['+OK\n', '%2BOK%0A'],
    ['', ''],
  ])('encodes %j as FreeSWITCH does', (value, encoded) => {
    expect(eslUrlEncode(value)).toBe(encoded);
    expect(switchUrlEncode(value)).toBe(encoded);
  });

  it('agrees with switch_url_encode on any text, escapes and non-ASCII included', () => {
    fc.assert(
      fc.property(text, (value) => eslUrlEncode(value) === switchUrlEncode(value)),
      { numRuns: 300 },
    );
  });

  it('round-trips through eslUrlDecode when the text has no % and no lone surrogate', () => {
    fc.assert(
      fc.property(
        text.filter((value) => !value.includes('%') && !value.includes('\ud800')),
        (value) => eslUrlDecode(eslUrlEncode(value)) === value,
      ),
      { numRuns: 300 },
    );
  });
});

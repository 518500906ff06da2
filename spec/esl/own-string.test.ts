import { sharedName, sharedValue } from '../../lib/esl/wire/own-string';

// Sharing a kept header's value with the copy kept before must never change what is read back.
describe('sharedValue', () => {
  it('always gives back the value it was given, whatever was kept for the header before', () => {
    const names = ['Core-UUID', 'variable_direction', 'Unique-ID', 'variable_read_codec'].map(sharedName);
    const values = ['outbound', 'inbound', 'PCMU', 'aaaa-1111-2222-3333-444455556666', '', 'outbound '];
    let seed = 7;
    const next = (bound: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % bound;
    };
    for (let i = 0; i < 2_000; i += 1) {
      const name = names[next(names.length)]!;
      // Slices of a larger text, as parsed event values are.
      const text = `>${values[next(values.length)]!}<`;
      const value = text.slice(1, -1);
      expect(sharedValue(name, value)).toBe(value);
    }
  });

  it('keeps values of header names past its bound too (own copies, none shared)', () => {
    for (let i = 0; i < 5_000; i += 1) expect(sharedValue(sharedName(`variable_x_${i}`), `value ${i}`)).toBe(`value ${i}`);
    expect(sharedValue(sharedName('variable_x_4999'), 'again')).toBe('again');
  });
});

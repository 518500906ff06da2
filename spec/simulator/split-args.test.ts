import fc from 'fast-check';
import { splitArgs } from '../../lib/simulator/dial-string';

/** splitArgs as first written, one character at a time: the definition the run-based one must match. */
function referenceSplit(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let depth = 0;
  let started = false;
  for (const ch of text) {
    if (ch === "'" && depth === 0) {
      quoted = !quoted;
      started = true;
      continue;
    }
    if (!quoted) {
      if (ch === '{' || ch === '[' || ch === '<') depth++;
      else if ((ch === '}' || ch === ']' || ch === '>') && depth > 0) depth--;
    }
    if (/\s/.test(ch) && !quoted && depth === 0) {
      if (started) args.push(current);
      current = '';
      started = false;
      continue;
    }
    current += ch;
    started = true;
  }
  if (started) args.push(current);
  return args;
}

describe('splitArgs', () => {
  it('splits an originate the way switch_separate_string does', () => {
    expect(splitArgs("{origination_caller_id_name='Call Back',a=b}sofia/gateway/carrier/1000  '&socket(127.0.0.1:8084 async full)'")).toEqual([
      "{origination_caller_id_name='Call Back',a=b}sofia/gateway/carrier/1000",
      '&socket(127.0.0.1:8084 async full)',
    ]);
    expect(splitArgs("a '' b\u00a0c\u3000d")).toEqual(['a', '', 'b', 'c', 'd']);
  });

  it('agrees with the character-by-character definition on any text of quotes, blocks, spaces and letters', () => {
    const piece = fc.oneof(fc.constantFrom("'", '{', '}', '[', ']', '<', '>', ' ', '\t', '\n', '\u00a0', '\u2003', '\ufeff', 'a', 'é', '😀', '='), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(splitArgs(text)).toEqual(referenceSplit(text));
      }),
      { numRuns: 2000 },
    );
  });
});

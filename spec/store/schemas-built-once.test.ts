import fs from 'node:fs';
import path from 'node:path';

const STORE = path.join(__dirname, '../../lib/store');

describe('store input schemas', () => {
  it('are module constants, never built in the call that parses with them (about 31 µs each time, issue #20)', () => {
    const builtPerCall = fs
      .readdirSync(STORE)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        fs
          .readFileSync(path.join(STORE, file), 'utf8')
          .split('\n')
          .flatMap((line, index) => (/parseInput\(\s*z\./.test(line) ? [`${file}:${index + 1}`] : [])),
      );
    expect(builtPerCall).toEqual([]);
  });
});

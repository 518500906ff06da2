import fc from 'fast-check';
import { EslProtocolError, FrameParser, interpretFrame, type EslFrame } from '../../lib/esl/wire';

interface Outcome {
  frames: Array<{ command?: string; headers: ReadonlyArray<readonly [string, string]>; body?: string }>;
  error?: string;
}

/** Feeds `bytes` cut at `cuts`, collecting frames up to the first framing error (as a connection would). */
function parse(bytes: Buffer, cuts: number[], options: { commands?: boolean } = {}): Outcome {
  const parser = new FrameParser({ ...options, maxHeaderBytes: 4096, maxBodyBytes: 4096 });
  const frames: EslFrame[] = [];
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const end of [...points, bytes.length]) {
    try {
      frames.push(...parser.push(bytes.subarray(start, end)));
    } catch (error) {
      // Only our typed error may come out, carrying the frames completed before the bad bytes.
      expect(error).toBeInstanceOf(EslProtocolError);
      frames.push(...(error as EslProtocolError).framesBefore);
      return { frames: frames.map(plain), error: (error as Error).message };
    }
    start = end;
  }
  return { frames: frames.map(plain) };
}

function plain(frame: EslFrame): Outcome['frames'][number] {
  return {
    ...(frame.command === undefined ? {} : { command: frame.command }),
    headers: frame.headers.entries(),
    ...(frame.body === undefined ? {} : { body: frame.body.toString('latin1') }),
  };
}

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((name) => name.toLowerCase() !== 'content-length');
// Anything but a line feed; a leading space would be eaten as the separator's.
const headerValue = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const frameSpec = fc.record({
  headers: fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 6 }),
  body: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
});
type FrameSpec = typeof frameSpec extends fc.Arbitrary<infer T> ? T : never;

function encode(spec: FrameSpec): Buffer {
  let head = spec.headers.map(([name, value]) => `${name}: ${value}\n`).join('');
  if (spec.body !== undefined) head += `Content-Length: ${spec.body.length}\n`;
  return Buffer.concat([Buffer.from(`${head}\n`, 'latin1'), Buffer.from(spec.body ?? [])]);
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('ESL framing under hostile input', () => {
  it('arbitrary bytes, split anywhere, give only frames or an EslProtocolError, and the same ones however they are split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), (raw, splits, commands) => {
        const bytes = Buffer.from(raw);
        const whole = parse(bytes, [], { commands });
        expect(parse(bytes, splits, { commands })).toEqual(whole);
      }),
      { numRuns: 3000 },
    );
  });

  it('bytes shaped like ESL (headers, lengths, blank lines, garbage) give the same frames or the same error however they are split', () => {
    const piece = fc.oneof(
      fc.constantFrom('Content-Type: api/response\n', 'Content-Length: 5\n', 'Content-Length: -1\n', 'Content-Length: 99999999999\n', 'Reply-Text: +OK\n', '\n', '\n\n', '\r\n', ': no name\n', 'hello', 'api status\n'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), cuts, fc.boolean(), (pieces, splits, commands) => {
        const bytes = Buffer.from(pieces.join(''), 'utf8');
        expect(parse(bytes, splits, { commands })).toEqual(parse(bytes, [], { commands }));
      }),
      { numRuns: 3000 },
    );
  });

  it('valid frames split at any byte are parsed identically: none lost, none invented, headers and bodies intact', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { minLength: 1, maxLength: 6 }), cuts, (specs, splits) => {
        const bytes = Buffer.concat(specs.map(encode));
        const outcome = parse(bytes, splits);
        expect(outcome.error).toBeUndefined();
        expect(outcome.frames).toEqual(
          specs.map((spec) => ({
            headers: [...spec.headers, ...(spec.body === undefined ? [] : [['Content-Length', String(spec.body.length)]])],
            ...(spec.body === undefined ? {} : { body: Buffer.from(spec.body).toString('latin1') }),
          })),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('valid frames followed by garbage in the same read are still delivered before the framing error', () => {
    fc.assert(
      fc.property(fc.array(frameSpec, { minLength: 1, maxLength: 4 }), cuts, (specs, splits) => {
        const bytes = Buffer.concat([...specs.map(encode), Buffer.from('garbage without a colon\n\n')]);
        const whole = parse(bytes, []);
        expect(whole.error).toMatch(/header line without a name/);
        expect(whole.frames).toHaveLength(specs.length);
        expect(parse(bytes, splits)).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });

  it('reading any frame (events, replies, JSON, URL-encoded values) gives a message or an EslProtocolError, never another exception', () => {
    const contentType = fc.constantFrom('auth/request', 'command/reply', 'api/response', 'text/event-plain', 'text/event-json', 'text/disconnect-notice', 'text/rude-rejection', 'log/data', 'x/unknown');
    const bodyText = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.uint8Array({ maxLength: 120 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc.json({ maxDepth: 2 }),
      fc.constantFrom('Event-Name: CUSTOM\nContent-Length: 999\n\nshort', 'Event-Name: %E9%ZZ%\n\n', 'Unique-ID: %\nContent-Length: x\n\nbody', '{"__proto__":{"x":1},"Event-Name":[1,{"a":2}]}'),
    );
    fc.assert(
      fc.property(contentType, bodyText, fc.string({ maxLength: 20 }), (type, body, extra) => {
        const bytes = Buffer.from(body, 'latin1');
        const frameBytes = Buffer.concat([Buffer.from(`Content-Type: ${type}\nEvent-Name: ${extra.replace(/\n/g, '')}\nLinger-Time: ${extra.replace(/\n/g, '')}\nContent-Length: ${bytes.length}\n\n`, 'latin1'), bytes]);
        let frames: EslFrame[] = [];
        try {
          frames = new FrameParser().push(frameBytes);
        } catch (error) {
          expect(error).toBeInstanceOf(EslProtocolError);
          return;
        }
        for (const frame of frames) {
          try {
            interpretFrame(frame);
          } catch (error) {
            expect(error).toBeInstanceOf(EslProtocolError);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a peer that never ends its header block or announces a huge body is refused instead of buffered without bound', () => {
    const parser = new FrameParser({ maxHeaderBytes: 1024, maxBodyBytes: 1024 });
    expect(() => parser.push(Buffer.alloc(2048, 'a'))).toThrow(EslProtocolError);
    expect(() => new FrameParser({ maxBodyBytes: 1024 }).push(Buffer.from('Content-Length: 1025\n\n'))).toThrow(/above the 1024-byte limit/);
  });
});

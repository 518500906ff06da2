import fc from 'fast-check';
import { EslHeaders, EslProtocolError, encodeEventFrame, eventJsonText, eventPlainText, parseEventPlain, type EslEvent, type EventFormat } from '../../lib/esl/wire';

describe('parseEventPlain', () => {
  it('reads every header line in order, values URL-decoded, a repeated name kept twice', () => {
    const event = parseEventPlain(Buffer.from('Event-Name: CHANNEL_HANGUP_COMPLETE\nHangup-Cause: USER_BUSY\nCaller-Caller-ID-Name: A%20B%3A\nHangup-Cause: NORMAL_CLEARING\nEmpty: \n'));
    expect(event.name).toBe('CHANNEL_HANGUP_COMPLETE');
    expect(event.headers.entries()).toEqual([
      ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'],
      ['Hangup-Cause', 'USER_BUSY'],
      ['Caller-Caller-ID-Name', 'A B:'],
      ['Hangup-Cause', 'NORMAL_CLEARING'],
      ['Empty', ''],
    ]);
    expect(event.body).toBeUndefined();
  });

  it('takes the last header of an event with a body as its length', () => {
    const event = parseEventPlain(Buffer.from('Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nContent-Length: 3\n\n+OK and more'));
    expect(event.headers.entries()).toEqual([
      ['Event-Name', 'BACKGROUND_JOB'],
      ['Job-UUID', 'j1'],
    ]);
    expect(event.body).toBe('+OK');
  });

  it('refuses a header line without a name', () => {
    expect(() => parseEventPlain(Buffer.from('Event-Name: X\n: nameless\n'))).toThrow(EslProtocolError);
    expect(() => parseEventPlain(Buffer.from('Event-Name: X\nno separator\nNext: y\n'))).toThrow('event header line without a name: "no separator"');
  });
});

// Issue #20: an event's headers are looked up in its text and parsed only when visited; every
// answer must be the one the parsed list gives.
describe('parseEventPlain: headers read lazily', () => {
  /** The same lines parsed eagerly: what every lookup must agree with. */
  const parsed = (text: string): EslHeaders => new EslHeaders(parseEventPlain(Buffer.from(text)).headers.entries());

  it('finds a header by its exact name, then ignoring case, the first of a repeated one, decoded', () => {
    const text = 'Event-Name: CHANNEL_ANSWER\nhangup-cause: lower\nHangup-Cause: USER_BUSY\nCaller-Caller-ID-Name: A%20B%3A\nHangup-Cause: LATER\n';
    const { headers } = parseEventPlain(Buffer.from(text));
    expect(headers.get('Hangup-Cause')).toBe('USER_BUSY');
    expect(headers.get('HANGUP-CAUSE')).toBe('lower');
    expect(headers.get('Caller-Caller-ID-Name')).toBe('A B:');
    expect(headers.get('Cause')).toBeUndefined();
    expect(headers.get('Name')).toBeUndefined();
    expect(headers.has('event-name')).toBe(true);
    expect(headers.getAll('hangup-cause')).toEqual(['lower', 'USER_BUSY', 'LATER']);
  });

  it('leaves an inner Content-Length out wherever it stands, and answers as the parsed list after a visit', () => {
    const event = parseEventPlain(Buffer.from('Event-Name: BACKGROUND_JOB\nContent-Length: 3\nJob-UUID: j1\n\n+OK and more'));
    expect(event.body).toBe('+OK');
    expect(event.headers.get('Content-Length')).toBeUndefined();
    expect(event.headers.get('Job-UUID')).toBe('j1');
    expect(event.headers.size).toBe(2);
    expect(event.headers.get('job-uuid')).toBe('j1');
  });

  it('parses lines whose lower case changes their length instead of searching them', () => {
    const { headers } = parseEventPlain(Buffer.from('Event-Name: X\nİ-Name: dotted\nOther: y\n'));
    expect(headers.get('Other')).toBe('y');
    expect(headers.get('OTHER')).toBe('y');
    expect(headers.get('i̇-name')).toBe(parsed('Event-Name: X\nİ-Name: dotted\nOther: y\n').get('i̇-name'));
  });

  it('answers every lookup as the parsed list does, before and after an index is built', () => {
    const name = fc.constantFrom('Event-Name', 'Unique-ID', 'unique-id', 'Hangup-Cause', 'HANGUP-CAUSE', 'variable_x', 'Variable_X', 'A', 'a', 'Name', 'Caller-Name');
    const value = fc.oneof(fc.constantFrom('', 'x', 'USER_BUSY', 'a b: c', '100%', 'héllo', '%ZZ'), fc.string({ maxLength: 12 }));
    const line = fc.tuple(name, value);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.array(name, { maxLength: 40 }), (lines, lookups) => {
        const text = eventPlainText({ name: 'X', headers: new EslHeaders(lines) });
        const lazy = parseEventPlain(Buffer.from(text)).headers;
        const eager = parsed(text);
        for (const lookup of lookups) expect([lookup, lazy.get(lookup)]).toEqual([lookup, eager.get(lookup)]);
        expect(lazy.entries()).toEqual(eager.entries());
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeEventFrame', () => {
  /** The frame as one UTF-8 string: the definition the faster encoding must match byte for byte. */
  const reference = (event: EslEvent, format: EventFormat): Buffer => {
    const body = format === 'json' ? eventJsonText(event) : eventPlainText(event);
    return Buffer.from(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\nContent-Type: text/event-${format}\n\n${body}`, 'utf8');
  };

  it('writes Content-Length in bytes and the body as UTF-8, whatever the names, values and body hold', () => {
    const header = fc.tuple(fc.string({ minLength: 1, unit: 'grapheme' }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(fc.array(header, { maxLength: 8 }), fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }), fc.constantFrom<EventFormat>('plain', 'json'), (pairs, body, format) => {
        const headers = new EslHeaders([['Event-Name', 'CUSTOM'], ...pairs]);
        const event: EslEvent = body === undefined ? { name: 'CUSTOM', headers } : { name: 'CUSTOM', headers, body };
        expect(encodeEventFrame(event, format).equals(reference(event, format))).toBe(true);
      }),
    );
  });

  it('round-trips a plain event with non-ASCII names, values and body', () => {
    const event: EslEvent = { name: 'CUSTOM', headers: new EslHeaders([['Event-Name', 'CUSTOM'], ['variable_naïve', 'Müller €'], ['Plain', 'x']]), body: 'Grüße\n' };
    const frame = encodeEventFrame(event, 'plain');
    expect(frame.equals(reference(event, 'plain'))).toBe(true);
    const split = frame.indexOf('\n\n');
    const parsed = parseEventPlain(frame.subarray(split + 2));
    expect(parsed.headers.entries()).toEqual(event.headers.entries());
    expect(parsed.body).toBe('Grüße\n');
  });
});

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

import { EslProtocolError, parseEventPlain } from '../../lib/esl/wire';

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

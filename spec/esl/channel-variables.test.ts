import { ChannelVariables } from '../../lib/esl/channel-variables';
import { EslHeaders, FrameParser } from '../../lib/esl/wire';

const connectReply = (): EslHeaders =>
  new EslHeaders([
    ['Unique-ID', 'aaaa-1111'],
    ['Caller-Caller-ID-Number', '+12025550100'],
    ['variable_callback_request_id', 'req-1'],
    ['variable_foo', 'before'],
    ['variable_gone', 'soon'],
  ]);

describe('EslHeaders', () => {
  it('keeps order and repeated names, and looks names up case-insensitively before and after indexing', () => {
    const headers = new EslHeaders([
      ['Hangup-Cause', 'NORMAL_CLEARING'],
      ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'],
      ['Hangup-Cause', 'USER_BUSY'],
    ]);
    expect(headers.entries()).toEqual([
      ['Hangup-Cause', 'NORMAL_CLEARING'],
      ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'],
      ['Hangup-Cause', 'USER_BUSY'],
    ]);
    expect(headers.size).toBe(3);
    expect(headers.getAll('hangup-cause')).toEqual(['NORMAL_CLEARING', 'USER_BUSY']);
    expect(headers.get('hangup-causes')).toBeUndefined();
    expect(headers.get('Hangup-Caus')).toBeUndefined();
    // Past the lookups a list answers by scanning, from its index.
    for (let i = 0; i < 20; i += 1) expect(headers.get('HANGUP-CAUSE')).toBe('NORMAL_CLEARING');
    expect((headers as unknown as { index: Map<string, string> | undefined }).index).toBeDefined();
    expect(headers.get('hangup-causes')).toBeUndefined();
    headers.add('Added-Later', 'x');
    expect(headers.get('added-later')).toBe('x');
    expect(headers.names()).toEqual(['Hangup-Cause', 'Event-Name', 'Hangup-Cause', 'Added-Later']);
  });

  it('makes a compact copy with the same headers that never builds an index', () => {
    const compact = connectReply().compact();
    expect(compact.entries()).toEqual(connectReply().entries());
    for (let i = 0; i < 10; i += 1) expect(compact.get('unique-id')).toBe('aaaa-1111');
    expect(compact.someNameStartsWith('variable_')).toBe(true);
    expect(compact.someNameStartsWith('Nothing-')).toBe(false);
  });
});

describe('FrameParser', () => {
  it('lets go of the last chunk once every byte of it is a frame', () => {
    const parser = new FrameParser();
    const chunk = Buffer.from('Content-Type: auth/request\n\n');
    expect(parser.push(chunk)).toHaveLength(1);
    expect(parser.buffered).toBe(0);
    expect((parser as unknown as { buffer: Buffer }).buffer.buffer).not.toBe(chunk.buffer);
  });
});

describe('ChannelVariables', () => {
  it('answers from the connect reply until a later event carries variables', () => {
    const variables = new ChannelVariables(connectReply());
    expect(variables.get('callback_request_id')).toBe('req-1');
    expect(variables.get('missing')).toBeUndefined();
    variables.update(new EslHeaders([['Event-Name', 'DTMF']]));
    expect(variables.get('foo')).toBe('before');
  });

  it('follows the latest event: changed, added and no longer set variables', () => {
    const variables = new ChannelVariables(connectReply());
    variables.update(
      new EslHeaders([
        ['Event-Name', 'CHANNEL_ANSWER'],
        ['variable_callback_request_id', 'req-1'],
        ['variable_foo', 'after'],
        ['variable_new', 'added'],
      ]),
    );
    expect(variables.get('foo')).toBe('after');
    expect(variables.get('new')).toBe('added');
    expect(variables.get('gone')).toBeUndefined();
    expect(variables.get('callback_request_id')).toBe('req-1');
    // A later event with the connect reply's values again: nothing differs any more.
    variables.update(connectReply());
    expect(variables.get('foo')).toBe('before');
    expect(variables.get('gone')).toBe('soon');
    expect(variables.get('new')).toBeUndefined();
  });

  it('keeps the first of a repeated variable, as a header lookup does', () => {
    const variables = new ChannelVariables(connectReply());
    variables.update(
      new EslHeaders([
        ['variable_foo', 'first'],
        ['variable_foo', 'second'],
      ]),
    );
    expect(variables.get('foo')).toBe('first');
  });
});

import fc from 'fast-check';
import { FrameParser, interpretFrame, type EslFrame, type EslMessage } from '../../lib/esl/wire';
import { loadCaptures, type TimelineFrame } from './capture-fixtures';

const captures = loadCaptures();

function parseAll(bytes: Buffer, splits: number[] = []): EslFrame[] {
  const parser = new FrameParser();
  const frames: EslFrame[] = [];
  let start = 0;
  for (const cut of [...splits.filter((s) => s > 0 && s < bytes.length)].sort((a, b) => a - b)) {
    frames.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  frames.push(...parser.push(bytes.subarray(start)));
  expect(parser.buffered).toBe(0);
  return frames;
}

/** What the capture tool's own summary says the frame is, in our message vocabulary. */
function expectMatchesSummary(message: EslMessage, frame: TimelineFrame): void {
  const [first = ''] = frame.summary.split(' ');
  if (/^[A-Z_]+$/.test(first)) {
    expect(message.kind).toBe('event');
    if (message.kind === 'event') expect(message.event.name).toBe(first);
  } else if (frame.summary.startsWith('command/reply (connect')) {
    expect(message.kind).toBe('channel-data');
  } else if (first === 'command/reply') {
    expect(message.kind).toBe('command-reply');
    const text = /Reply-Text=(.*?)(?: [A-Z][A-Za-z-]+=|$)/.exec(frame.summary)?.[1];
    if (message.kind === 'command-reply' && text !== undefined) expect(message.text).toBe(text);
  } else {
    const kinds: Record<string, EslMessage['kind']> = {
      'auth/request': 'auth-request',
      'api/response': 'api-response',
      'text/disconnect-notice': 'disconnect-notice',
    };
    expect(message.kind).toBe(kinds[first]);
  }
}

describe('ESL framing against the FreeSWITCH captures', () => {
  const connections = captures.flatMap((capture) =>
    [...capture.received.entries()].map(([conn, frames]) => ({ name: `${capture.scenario}.${conn}`, capture, conn, frames })),
  );

  it('finds the captures', () => {
    expect(connections.length).toBeGreaterThanOrEqual(60);
  });

  it.each(connections.map((c) => [c.name, c] as const))('%s parses into exactly the recorded frames', (_name, { capture, conn, frames }) => {
    const bytes = capture.rx(conn);
    const parsed = parseAll(bytes);
    expect(parsed).toHaveLength(frames.length);
    parsed.forEach((frame, i) => expectMatchesSummary(interpretFrame(frame), frames[i] as TimelineFrame));
  });

  it('gives the same frames however the stream is split into TCP reads', () => {
    const samples = connections.filter((_c, i) => i % 5 === 0);
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.nat(), { maxLength: 40 }), (connection, cuts) => {
        const bytes = connection.capture.rx(connection.conn);
        const whole = parseAll(bytes).map((f) => interpretFrame(f));
        const split = parseAll(bytes, cuts.map((c) => c % bytes.length)).map((f) => interpretFrame(f));
        expect(split).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('decodes URL-encoded values and keeps duplicate headers', () => {
    const capture = captures.find((c) => c.scenario === '01-inbound-basics');
    const messages = parseAll(capture!.rx('inbound')).map((f) => interpretFrame(f));
    const hangupComplete = messages.find((m) => m.kind === 'event' && m.event.name === 'CHANNEL_HANGUP_COMPLETE');
    if (hangupComplete?.kind !== 'event') throw new Error('no CHANNEL_HANGUP_COMPLETE in capture 01');
    expect(hangupComplete.event.headers.getAll('Hangup-Cause')).toHaveLength(2);
    expect(hangupComplete.event.headers.get('FreeSWITCH-IPv6')).toBe('::1');
    expect(hangupComplete.event.headers.get('Event-Date-GMT')).toMatch(/^Thu, 26 Nov 2026/);
    const job = messages.find((m) => m.kind === 'event' && m.event.name === 'BACKGROUND_JOB');
    if (job?.kind !== 'event') throw new Error('no BACKGROUND_JOB in capture 01');
    expect(job.event.body).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
  });

  it('reads the connect reply of an outbound socket as the channel data', () => {
    const capture = captures.find((c) => c.scenario === '04-access-reject');
    const [first] = parseAll(capture!.rx('socket')).map((f) => interpretFrame(f));
    if (first?.kind !== 'channel-data') throw new Error('first socket frame is not the connect reply');
    expect(first.channel.headers.get('Reply-Text')).toBe('+OK\n');
    expect(first.channel.headers.get('Socket-Mode')).toBe('async');
    expect(first.channel.headers.get('Answer-State')).toBe('ringing');
    expect(first.channel.headers.get('variable_current_application')).toBe('socket');
  });

  it('parses the JSON captures into the same events as the plain ones', () => {
    const json = captures.find((c) => c.scenario === '03-inbound-json');
    const events = parseAll(json!.rx('inbound'))
      .map((f) => interpretFrame(f))
      .filter((m): m is Extract<EslMessage, { kind: 'event' }> => m.kind === 'event');
    expect(events.length).toBeGreaterThan(10);
    const job = events.find((m) => m.event.name === 'BACKGROUND_JOB');
    expect(job?.event.body).toMatch(/^\+OK /);
    expect(events.every((m) => m.event.headers.get('Core-UUID'))).toBe(true);
  });
});

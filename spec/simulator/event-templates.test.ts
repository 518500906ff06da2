import { FrameParser, interpretFrame, type EslHeaders } from '../../lib/esl/wire';
import {
  CHANNEL_DATA_ORIGIN,
  CONFERENCE_TEMPLATES,
  EVENT_PRELUDE,
  EVENT_TEMPLATES,
  UUID_BRIDGE_EXECUTE_ORIGINS,
  type EventOrigin,
  type EventTemplate,
} from '../../lib/simulator/event-templates';
import { loadCaptures } from '../esl/capture-fixtures';
import { CHANNEL_DATA_LAYOUT, checkOrder, layout } from './template-layout';

function origin(headers: EslHeaders): EventOrigin {
  return {
    file: headers.get('Event-Calling-File') ?? '',
    func: headers.get('Event-Calling-Function') ?? '',
    line: Number(headers.get('Event-Calling-Line-Number')),
  };
}

interface Checked {
  where: string;
  names: string[];
  headers: EslHeaders;
  template: EventTemplate | undefined;
  subclass: boolean;
  kind: string;
  /** JSON.parse keeps one of two equal keys, so duplicates only show in plain events. */
  plain: boolean;
}

function recordedEvents(): Checked[] {
  const checked: Checked[] = [];
  for (const capture of loadCaptures()) {
    for (const conn of capture.received.keys()) {
      const parser = new FrameParser();
      parser.push(capture.rx(conn)).forEach((frame, index) => {
        const message = interpretFrame(frame);
        const where = `${capture.scenario}.${conn} frame ${index}`;
        if (message.kind === 'channel-data') {
          checked.push({ where, names: frame.headers.names(), headers: frame.headers, template: undefined, subclass: false, kind: 'CHANNEL_DATA', plain: true });
        } else if (message.kind === 'event') {
          const { event } = message;
          const action = event.headers.get('Action') ?? '';
          const template =
            event.name === 'CUSTOM'
              ? (CONFERENCE_TEMPLATES as Record<string, EventTemplate>)[action]
              : (EVENT_TEMPLATES as Record<string, EventTemplate>)[event.name];
          checked.push({
            where,
            names: event.headers.names(),
            headers: event.headers,
            template,
            subclass: event.name === 'CUSTOM',
            kind: event.name === 'CUSTOM' ? action : event.name,
            plain: frame.headers.get('Content-Type') === 'text/event-plain',
          });
        }
      });
    }
  }
  return checked;
}

describe('event templates against the FreeSWITCH captures', () => {
  const events = recordedEvents();
  const modelled = events.filter((e) => e.template !== undefined);

  it('covers the events the simulator fires', () => {
    const kinds = new Set(modelled.map((e) => e.kind));
    for (const name of [
      'CHANNEL_CREATE',
      'CHANNEL_ANSWER',
      'CHANNEL_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_BRIDGE',
      'CHANNEL_UNBRIDGE',
      'CHANNEL_PARK',
      'CHANNEL_UNPARK',
      'CHANNEL_HANGUP',
      'CHANNEL_HANGUP_COMPLETE',
      'CHANNEL_STATE',
      'DTMF',
      'PLAYBACK_START',
      'PLAYBACK_STOP',
      'RECORD_START',
      'RECORD_STOP',
      'BACKGROUND_JOB',
      'add-member',
      'del-member',
    ]) {
      expect(kinds).toContain(name);
    }
  });

  const byConnection = new Map<string, Checked[]>();
  for (const event of modelled) {
    const key = event.where.replace(/ frame \d+$/, '');
    byConnection.set(key, [...(byConnection.get(key) ?? []), event]);
  }

  it.each([...byConnection.entries()])('%s: every event follows its template', (_connection, checked) => {
    const problems: string[] = [];
    for (const event of checked) {
      const template = event.template as EventTemplate;
      const order = checkOrder(event.names, layout(template, event.subclass));
      if (order) problems.push(`${event.where} ${event.kind}: ${order}`);
      const prelude = event.names.filter((n) => (EVENT_PRELUDE as readonly string[]).includes(n));
      if (prelude.join() !== EVENT_PRELUDE.join()) problems.push(`${event.where} ${event.kind}: prelude ${prelude.join()}`);
      if (!template.variables && event.names.some((n) => n.startsWith('variable_'))) problems.push(`${event.where} ${event.kind}: has variables`);
      const allowed = event.kind === 'CHANNEL_EXECUTE' ? [template.origin, ...UUID_BRIDGE_EXECUTE_ORIGINS] : [template.origin];
      const actual = origin(event.headers);
      if (!allowed.some((o) => o.file === actual.file && o.func === actual.func && o.line === actual.line)) {
        problems.push(`${event.where} ${event.kind}: from ${actual.file}:${actual.func}:${actual.line}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('puts Hangup-Cause twice on CHANNEL_HANGUP_COMPLETE', () => {
    for (const event of modelled.filter((e) => e.kind === 'CHANNEL_HANGUP_COMPLETE' && e.plain)) {
      expect(event.headers.getAll('Hangup-Cause')).toHaveLength(2);
    }
  });

  it('lays out the connect reply (CHANNEL_DATA) as the template says', () => {
    const replies = events.filter((e) => e.kind === 'CHANNEL_DATA');
    expect(replies.length).toBeGreaterThan(10);
    for (const reply of replies) {
      expect(checkOrder(reply.names, CHANNEL_DATA_LAYOUT)).toBeUndefined();
      expect(origin(reply.headers)).toEqual(CHANNEL_DATA_ORIGIN);
    }
  });
});

import { EslHeaders, type EslEvent } from '../esl/wire';
import type { Clock } from '../time/clock';
import type { Channel, OtherLeg } from './channel';
import {
  CALLER_PROFILE_FIELDS,
  CHANNEL_DATA_ORIGIN,
  CONFERENCE_TEMPLATES,
  EVENT_TEMPLATES,
  OTHER_LEG_FIELDS,
  RX_FAX_RESULT_TEMPLATE,
  type CallerProfileField,
  type ConferenceAction,
  type EventOrigin,
  type EventTemplate,
  type TemplatedEventName,
} from './event-templates';

export interface SwitchIdentity {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
}

export type HeaderValues = Readonly<Record<string, string | number | undefined>>;
type HeaderList = Array<[string, string]>;

const TIME_FIELDS: Partial<Record<CallerProfileField, (c: Channel) => number | undefined>> = {
  'Profile-Created-Time': (c) => c.times.created,
  'Channel-Created-Time': (c) => c.times.created,
  'Channel-Answered-Time': (c) => c.times.answered,
  'Channel-Progress-Time': (c) => c.times.progress,
  'Channel-Progress-Media-Time': (c) => c.times.progressMedia,
  'Channel-Hangup-Time': (c) => c.times.hangup,
  'Channel-Transfer-Time': (c) => c.times.transfer,
  'Channel-Resurrect-Time': () => undefined,
  'Channel-Bridged-Time': (c) => c.times.bridged,
  'Channel-Last-Hold': () => undefined,
  'Channel-Hold-Accum': () => undefined,
};
const FIXED_FIELDS: Partial<Record<CallerProfileField, string>> = {
  'Screen-Bit': 'true',
  'Privacy-Hide-Name': 'false',
  'Privacy-Hide-Number': 'false',
};

export function micros(ms: number | undefined): string {
  return ms === undefined ? '0' : String(Math.round(ms * 1000));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The switch's "local" time; the simulator runs in UTC so that runs do not depend on the host. */
export function localStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A channel's caller profile as header lines with the given prefix (Caller-, Channel-, Other-Leg-). */
function profileHeaders(channel: Channel, prefix: string, fields: readonly CallerProfileField[] = CALLER_PROFILE_FIELDS): HeaderList {
  const list: HeaderList = [];
  for (const field of fields) {
    const time = TIME_FIELDS[field];
    const value = time ? micros(time(channel)) : (FIXED_FIELDS[field] ?? channel.profile[field]);
    if (value !== undefined && value !== '') list.push([`${prefix}${field}`, value]);
  }
  return list;
}

/**
 * How a leg appears as the other leg of its peer. The originator shows as logically inbound
 * (capture 05), whatever its own direction.
 */
export function otherLegOf(channel: Channel, type: OtherLeg['type']): OtherLeg {
  const headers = profileHeaders(channel, 'Other-Leg-', OTHER_LEG_FIELDS).map(([name, value]): [string, string] => [
    name,
    type === 'originator' && name === 'Other-Leg-Logical-Direction' ? 'inbound' : value,
  ]);
  return { type, uuid: channel.uuid, headers };
}

/** Builds events in FreeSWITCH's header order (see event-templates.ts), numbering them as it goes. */
export class EventFactory {
  private sequence = 1000;

  constructor(
    private readonly identity: SwitchIdentity,
    private readonly clock: Clock,
  ) {}

  build(name: TemplatedEventName, channel: Channel | undefined, values: HeaderValues = {}, options: { body?: string; origin?: EventOrigin } = {}): EslEvent {
    const template: EventTemplate = EVENT_TEMPLATES[name];
    return this.compose(name, undefined, template, channel, values, options);
  }

  conference(action: ConferenceAction, channel: Channel | undefined, values: HeaderValues): EslEvent {
    const template = CONFERENCE_TEMPLATES[action];
    return this.compose('CUSTOM', 'conference::maintenance', template, channel, { ...values, Action: action }, {});
  }

  /** D5's `rxfax` result (CUSTOM spandsp::rxfaxresult). */
  rxFaxResult(channel: Channel, values: HeaderValues): EslEvent {
    return this.compose('CUSTOM', 'spandsp::rxfaxresult', RX_FAX_RESULT_TEMPLATE, channel, values, {});
  }

  /** An event a client sent with `sendevent`: the prelude, then its own headers. */
  custom(name: string, headers: ReadonlyArray<readonly [string, string]>, body?: string): EslEvent {
    const list = this.prelude(name, undefined, { file: 'mod_event_socket.c', func: 'parse_command', line: 2245 });
    for (const [header, value] of headers) list.push([header, value]);
    return this.event(name, list, body);
  }

  /** The CHANNEL_DATA headers of the `connect` reply on an outbound socket. */
  channelData(channel: Channel): EslHeaders {
    const list = this.prelude('CHANNEL_DATA', undefined, CHANNEL_DATA_ORIGIN);
    list.push(...profileHeaders(channel, 'Channel-'), ...this.channelHeaders(channel), ...this.variableHeaders(channel));
    return new EslHeaders(list);
  }

  private compose(
    name: string,
    subclass: string | undefined,
    template: EventTemplate,
    channel: Channel | undefined,
    values: HeaderValues,
    options: { body?: string; origin?: EventOrigin },
  ): EslEvent {
    const list = this.prelude(name, subclass, options.origin ?? template.origin);
    list.push(...pick(template.before, values));
    if (template.channel && channel) {
      list.push(...this.channelHeaders(channel));
      if (template.variables) list.push(...this.variableHeaders(channel));
    }
    list.push(...pick(template.after, values));
    return this.event(name, list, options.body);
  }

  private event(name: string, list: HeaderList, body: string | undefined): EslEvent {
    const headers = new EslHeaders(list);
    return body === undefined ? { name, headers } : { name, headers, body };
  }

  private prelude(name: string, subclass: string | undefined, origin: EventOrigin): HeaderList {
    const now = this.clock.now();
    const list: HeaderList = subclass ? [['Event-Subclass', subclass]] : [];
    list.push(
      ['Event-Name', name],
      ['Core-UUID', this.identity.coreUuid],
      ['FreeSWITCH-Hostname', this.identity.hostname],
      ['FreeSWITCH-Switchname', this.identity.hostname],
      ['FreeSWITCH-IPv4', this.identity.ipv4],
      ['FreeSWITCH-IPv6', this.identity.ipv6],
      ['Event-Date-Local', localStamp(now)],
      ['Event-Date-GMT', new Date(now).toUTCString()],
      ['Event-Date-Timestamp', micros(now)],
      ['Event-Calling-File', origin.file],
      ['Event-Calling-Function', origin.func],
      ['Event-Calling-Line-Number', String(origin.line)],
      ['Event-Sequence', String(++this.sequence)],
    );
    return list;
  }

  private channelHeaders(channel: Channel): HeaderList {
    const list: HeaderList = [
      ['Channel-State', channel.state],
      ['Channel-Call-State', channel.callState],
      ['Channel-State-Number', String(channel.stateNumber)],
      ['Channel-Name', channel.name],
      ['Unique-ID', channel.uuid],
      ['Call-Direction', channel.direction],
      ['Presence-Call-Direction', channel.direction],
      ['Channel-HIT-Dialplan', String(channel.hitDialplan)],
    ];
    // A leg with a presence_id (a user/ leg: the directory's dial-string sets it) shows it here.
    const presence = channel.getVar('presence_id');
    if (presence !== undefined) list.push(['Channel-Presence-ID', presence]);
    list.push(['Channel-Call-UUID', channel.callUuid], ['Answer-State', channel.answerState]);
    if (channel.hangupCause) list.push(['Hangup-Cause', channel.hangupCause]);
    if (channel.media) {
      for (const side of ['Read', 'Write']) {
        list.push([`Channel-${side}-Codec-Name`, 'PCMU'], [`Channel-${side}-Codec-Rate`, '8000'], [`Channel-${side}-Codec-Bit-Rate`, '64000']);
      }
    }
    list.push(...profileHeaders(channel, 'Caller-'));
    if (channel.other) list.push(['Other-Type', channel.other.type], ...channel.other.headers.map(([n, v]): [string, string] => [n, v]));
    return list;
  }

  private variableHeaders(channel: Channel): HeaderList {
    return channel.variables().map(([name, value]): [string, string] => [`variable_${name}`, value]);
  }
}

function pick(names: readonly string[], values: HeaderValues): HeaderList {
  const list: HeaderList = [];
  for (const name of names) {
    const value = values[name];
    if (value !== undefined && value !== '') list.push([name, String(value)]);
  }
  return list;
}

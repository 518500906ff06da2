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

/** One header of a caller profile with its prefix: its name made once, and where its value comes from. */
interface ProfileHeader {
  readonly name: string;
  readonly value: (channel: Channel) => string | undefined;
}

/** A caller profile's headers with the given prefix (Caller-, Channel-, Other-Leg-), in order. */
function profileLayout(prefix: string, fields: readonly CallerProfileField[]): readonly ProfileHeader[] {
  return fields.map((field): ProfileHeader => {
    const time = TIME_FIELDS[field];
    const fixed = FIXED_FIELDS[field];
    if (time) return { name: `${prefix}${field}`, value: (channel) => micros(time(channel)) };
    if (fixed !== undefined) return { name: `${prefix}${field}`, value: () => fixed };
    return { name: `${prefix}${field}`, value: (channel) => channel.profile[field] };
  });
}

const CALLER_PROFILE = profileLayout('Caller-', CALLER_PROFILE_FIELDS);
const CHANNEL_PROFILE = profileLayout('Channel-', CALLER_PROFILE_FIELDS);
const OTHER_LEG_PROFILE = profileLayout('Other-Leg-', OTHER_LEG_FIELDS);

/** Adds a channel's caller profile as header lines, as laid out by profileLayout. */
function addProfile(headers: EslHeaders, channel: Channel, layout: readonly ProfileHeader[]): EslHeaders {
  for (const header of layout) {
    const value = header.value(channel);
    if (value !== undefined && value !== '') headers.add(header.name, value);
  }
  return headers;
}

/**
 * A new event's header list: never indexed, since an event the simulator fires is asked for a few
 * headers by each connection it goes to and an index of its ~150 names cost more than those scans.
 */
function eventHeaders(): EslHeaders {
  return new EslHeaders([], { indexAfterLookups: 0 });
}

/**
 * How a leg appears as the other leg of its peer. The originator shows as logically inbound
 * (capture 05), whatever its own direction.
 */
export function otherLegOf(channel: Channel, type: OtherLeg['type']): OtherLeg {
  const headers = addProfile(eventHeaders(), channel, OTHER_LEG_PROFILE)
    .entries()
    .map(([name, value]): [string, string] => [name, type === 'originator' && name === 'Other-Leg-Logical-Direction' ? 'inbound' : value]);
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

  /** An event nobody takes is not built, but FreeSWITCH numbered it: the next one's Event-Sequence says so. */
  skip(): void {
    this.sequence += 1;
  }

  /** An event a client sent with `sendevent`: the prelude, then its own headers. */
  custom(name: string, headers: ReadonlyArray<readonly [string, string]>, body?: string): EslEvent {
    const all = this.prelude(name, undefined, { file: 'mod_event_socket.c', func: 'parse_command', line: 2245 });
    for (const [header, value] of headers) all.add(header, value);
    return event(name, all, body);
  }

  /** The CHANNEL_DATA headers of the `connect` reply on an outbound socket. */
  channelData(channel: Channel): EslHeaders {
    const headers = this.prelude('CHANNEL_DATA', undefined, CHANNEL_DATA_ORIGIN);
    addProfile(headers, channel, CHANNEL_PROFILE);
    this.addChannel(headers, channel);
    return addVariables(headers, channel);
  }

  private compose(
    name: string,
    subclass: string | undefined,
    template: EventTemplate,
    channel: Channel | undefined,
    values: HeaderValues,
    options: { body?: string; origin?: EventOrigin },
  ): EslEvent {
    const headers = this.prelude(name, subclass, options.origin ?? template.origin);
    pick(headers, template.before, values);
    if (template.channel && channel) {
      this.addChannel(headers, channel);
      if (template.variables) addVariables(headers, channel);
    }
    pick(headers, template.after, values);
    return event(name, headers, options.body);
  }

  private prelude(name: string, subclass: string | undefined, origin: EventOrigin): EslHeaders {
    const now = this.clock.now();
    const headers = eventHeaders();
    if (subclass) headers.add('Event-Subclass', subclass);
    return headers
      .add('Event-Name', name)
      .add('Core-UUID', this.identity.coreUuid)
      .add('FreeSWITCH-Hostname', this.identity.hostname)
      .add('FreeSWITCH-Switchname', this.identity.hostname)
      .add('FreeSWITCH-IPv4', this.identity.ipv4)
      .add('FreeSWITCH-IPv6', this.identity.ipv6)
      .add('Event-Date-Local', localStamp(now))
      .add('Event-Date-GMT', new Date(now).toUTCString())
      .add('Event-Date-Timestamp', micros(now))
      .add('Event-Calling-File', origin.file)
      .add('Event-Calling-Function', origin.func)
      .add('Event-Calling-Line-Number', String(origin.line))
      .add('Event-Sequence', String(++this.sequence));
  }

  private addChannel(headers: EslHeaders, channel: Channel): void {
    headers
      .add('Channel-State', channel.state)
      .add('Channel-Call-State', channel.callState)
      .add('Channel-State-Number', String(channel.stateNumber))
      .add('Channel-Name', channel.name)
      .add('Unique-ID', channel.uuid)
      .add('Call-Direction', channel.direction)
      .add('Presence-Call-Direction', channel.direction)
      .add('Channel-HIT-Dialplan', String(channel.hitDialplan));
    // A leg with a presence_id (a user/ leg: the directory's dial-string sets it) shows it here.
    const presence = channel.getVar('presence_id');
    if (presence !== undefined) headers.add('Channel-Presence-ID', presence);
    headers.add('Channel-Call-UUID', channel.callUuid).add('Answer-State', channel.answerState);
    if (channel.hangupCause) headers.add('Hangup-Cause', channel.hangupCause);
    if (channel.media) {
      for (const side of MEDIA_SIDES) {
        headers.add(`Channel-${side}-Codec-Name`, 'PCMU').add(`Channel-${side}-Codec-Rate`, '8000').add(`Channel-${side}-Codec-Bit-Rate`, '64000');
      }
    }
    addProfile(headers, channel, CALLER_PROFILE);
    if (channel.other) {
      headers.add('Other-Type', channel.other.type);
      for (const [name, value] of channel.other.headers) headers.add(name, value);
    }
  }
}

const MEDIA_SIDES = ['Read', 'Write'] as const;

function event(name: string, headers: EslHeaders, body: string | undefined): EslEvent {
  return body === undefined ? { name, headers } : { name, headers, body };
}

/** `variable_<name>` header names, each made once: every channel event lists every variable. */
const variableHeaders = new Map<string, string>();
/** Names clients invent (`set`, originate variables) are not kept beyond this many. */
const VARIABLE_HEADERS_KEPT = 10_000;

function variableHeader(name: string): string {
  let header = variableHeaders.get(name);
  if (header === undefined) {
    header = `variable_${name}`;
    if (variableHeaders.size < VARIABLE_HEADERS_KEPT) variableHeaders.set(name, header);
  }
  return header;
}

function addVariables(headers: EslHeaders, channel: Channel): EslHeaders {
  channel.forEachVar((name, value) => headers.add(variableHeader(name), value));
  return headers;
}

function pick(headers: EslHeaders, names: readonly string[], values: HeaderValues): void {
  for (const name of names) {
    const value = values[name];
    if (value !== undefined && value !== '') headers.add(name, String(value));
  }
}

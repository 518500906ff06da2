/**
 * The header layout of every event the simulator fires, read off the FreeSWITCH 1.10.12 captures
 * (spec/fixtures/esl-captures). spec/simulator/event-templates.test.ts checks each recorded event
 * against these lists, so a layout mistake shows up as a test failure rather than as a client
 * that only works against the simulator.
 *
 * An event is laid out as: prelude, `before` headers, channel data (basic data, Caller-* profile,
 * Other-Leg-*), variables (when `variables`), `after` headers. Headers without a value are
 * dropped, as FreeSWITCH drops empty headers.
 */

/** `switch_event_prep_for_delivery_detailed`; CUSTOM events put Event-Subclass in front of it. */
export const EVENT_PRELUDE = [
  'Event-Name',
  'Core-UUID',
  'FreeSWITCH-Hostname',
  'FreeSWITCH-Switchname',
  'FreeSWITCH-IPv4',
  'FreeSWITCH-IPv6',
  'Event-Date-Local',
  'Event-Date-GMT',
  'Event-Date-Timestamp',
  'Event-Calling-File',
  'Event-Calling-Function',
  'Event-Calling-Line-Number',
  'Event-Sequence',
] as const;

/** `switch_channel_event_set_basic_data`; Hangup-Cause only once set, codecs only once media is up. */
export const CHANNEL_BASIC = [
  'Channel-State',
  'Channel-Call-State',
  'Channel-State-Number',
  'Channel-Name',
  'Unique-ID',
  'Call-Direction',
  'Presence-Call-Direction',
  'Channel-HIT-Dialplan',
  'Channel-Call-UUID',
  'Answer-State',
  'Hangup-Cause',
  'Channel-Read-Codec-Name',
  'Channel-Read-Codec-Rate',
  'Channel-Read-Codec-Bit-Rate',
  'Channel-Write-Codec-Name',
  'Channel-Write-Codec-Rate',
  'Channel-Write-Codec-Bit-Rate',
] as const;

/** `switch_caller_profile_event_set_data`, without its prefix (Caller-, Channel-, Other-Leg-). */
export const CALLER_PROFILE_FIELDS = [
  'Direction',
  'Logical-Direction',
  'Username',
  'Dialplan',
  'Caller-ID-Name',
  'Caller-ID-Number',
  'Orig-Caller-ID-Name',
  'Orig-Caller-ID-Number',
  'Callee-ID-Name',
  'Callee-ID-Number',
  'Network-Addr',
  'ANI',
  'Destination-Number',
  'Unique-ID',
  'Source',
  'Transfer-Source',
  'Context',
  'RDNIS',
  'Channel-Name',
  'Profile-Index',
  'Profile-Created-Time',
  'Channel-Created-Time',
  'Channel-Answered-Time',
  'Channel-Progress-Time',
  'Channel-Progress-Media-Time',
  'Channel-Hangup-Time',
  'Channel-Transfer-Time',
  'Channel-Resurrect-Time',
  'Channel-Bridged-Time',
  'Channel-Last-Hold',
  'Channel-Hold-Accum',
  'Screen-Bit',
  'Privacy-Hide-Name',
  'Privacy-Hide-Number',
] as const;

export type CallerProfileField = (typeof CALLER_PROFILE_FIELDS)[number];

/** The other leg's profile carries no Profile-Index (captures 05, 09). */
export const OTHER_LEG_FIELDS: readonly CallerProfileField[] = CALLER_PROFILE_FIELDS.filter((f) => f !== 'Profile-Index');

export interface EventOrigin {
  readonly file: string;
  readonly func: string;
  readonly line: number;
}

export interface EventTemplate {
  readonly origin: EventOrigin;
  /** Carries the channel's basic data and profiles. */
  readonly channel: boolean;
  readonly variables: boolean;
  readonly before: readonly string[];
  readonly after: readonly string[];
}

function template(
  file: string,
  func: string,
  line: number,
  shape: { channel?: boolean; variables?: boolean; before?: string[]; after?: string[] } = {},
): EventTemplate {
  return {
    origin: { file, func, line },
    channel: shape.channel ?? true,
    variables: shape.variables ?? true,
    before: shape.before ?? [],
    after: shape.after ?? [],
  };
}

const APPLICATION = ['Application', 'Application-Data', 'Application-UUID', 'Application-UUID-Name'];
const BRIDGE_IDS = ['Bridge-A-Unique-ID', 'Bridge-B-Unique-ID'];

export const EVENT_TEMPLATES = {
  CHANNEL_CREATE: template('switch_core_state_machine.c', 'switch_core_session_run', 626),
  // Not in the captures (the rig's carrier answered with 200 OK directly); FreeSWITCH's source.
  CHANNEL_PROGRESS: template('switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3488),
  CHANNEL_PROGRESS_MEDIA: template('switch_channel.c', 'switch_channel_perform_mark_pre_answered', 3560),
  CHANNEL_ANSWER: template('switch_channel.c', 'switch_channel_perform_mark_answered', 3846),
  CHANNEL_EXECUTE: template('switch_core_session.c', 'switch_core_session_exec', 2944, { after: APPLICATION }),
  CHANNEL_EXECUTE_COMPLETE: template('switch_core_session.c', 'switch_core_session_exec', 2967, {
    after: ['Application', 'Application-Data', 'Application-Response', 'Application-UUID', 'Application-UUID-Name'],
  }),
  CHANNEL_BRIDGE: template('switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1689, { before: BRIDGE_IDS }),
  CHANNEL_UNBRIDGE: template('switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1879, { before: BRIDGE_IDS }),
  CHANNEL_PARK: template('switch_ivr.c', 'switch_ivr_park', 1002),
  CHANNEL_UNPARK: template('switch_ivr.c', 'switch_ivr_park', 1213),
  CHANNEL_HANGUP: template('switch_channel.c', 'switch_channel_perform_hangup', 3445),
  CHANNEL_HANGUP_COMPLETE: template('switch_core_state_machine.c', 'switch_core_session_reporting_state', 943, {
    before: ['Hangup-Cause'],
  }),
  CHANNEL_STATE: template('switch_channel.c', 'switch_channel_perform_set_running_state', 2408, { variables: false }),
  DTMF: template('switch_channel.c', 'switch_channel_dequeue_dtmf', 677, {
    variables: false,
    after: ['DTMF-Digit', 'DTMF-Duration', 'DTMF-Source'],
  }),
  PLAYBACK_START: template('switch_ivr_play_say.c', 'switch_ivr_play_file', 1646, { after: ['Playback-File-Path'] }),
  PLAYBACK_STOP: template('switch_ivr_play_say.c', 'switch_ivr_play_file', 2020, {
    after: ['Playback-File-Path', 'Playback-Status'],
  }),
  RECORD_START: template('switch_ivr_async.c', 'record_callback', 1481, { after: ['Record-File-Path'] }),
  RECORD_STOP: template('switch_ivr_async.c', 'send_record_stop_event', 1240, {
    after: ['Record-File-Path', 'Record-Completion-Cause'],
  }),
  BACKGROUND_JOB: template('mod_event_socket.c', 'api_exec', 1572, {
    channel: false,
    variables: false,
    after: ['Job-UUID', 'Job-Owner-UUID', 'Job-Command', 'Job-Command-Arg'],
  }),
} as const satisfies Record<string, EventTemplate>;

export type TemplatedEventName = keyof typeof EVENT_TEMPLATES;

/** The `uuid_bridge` pseudo-application's EXECUTE, which never completes (capture 09). */
export const UUID_BRIDGE_EXECUTE_ORIGINS: readonly EventOrigin[] = [
  { file: 'switch_ivr_bridge.c', func: 'uuid_bridge_on_soft_execute', line: 1236 },
  { file: 'switch_ivr_bridge.c', func: 'uuid_bridge_on_soft_execute', line: 1243 },
];

/**
 * The connect reply on an outbound socket: the caller profile with prefix `Channel-`, then the
 * usual channel data and every variable (capture 04).
 */
export const CHANNEL_DATA_ORIGIN: EventOrigin = { file: 'mod_event_socket.c', func: 'parse_command', line: 2021 };

const CONFERENCE_HEADERS = [
  'Conference-Name',
  'Conference-Domain',
  'Conference-Size',
  'Conference-Ghosts',
  'Conference-Profile-Name',
  'Conference-Unique-ID',
];
const MEMBER_HEADERS = [
  'Video',
  'Hear',
  'See',
  'Speak',
  'Talking',
  'Mute-Detect',
  'Hold',
  'Member-ID',
  'Member-Type',
  'Member-Ghost',
  'Energy-Level',
  'Current-Energy',
  'Action',
];

/** CUSTOM `conference::maintenance` events, by their Action (capture 10). */
export const CONFERENCE_TEMPLATES = {
  'conference-create': template('mod_conference.c', 'conference_new', 3848, {
    channel: false,
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Action'],
  }),
  'conference-destroy': template('mod_conference.c', 'conference_thread_run', 863, {
    channel: false,
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Action'],
  }),
  'add-member': template('conference_member.c', 'conference_member_add', 962, {
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Floor'],
    after: MEMBER_HEADERS,
  }),
  'del-member': template('conference_member.c', 'conference_member_del', 1355, {
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Floor'],
    after: MEMBER_HEADERS,
  }),
  'bgdial-result': template('mod_conference.c', 'conference_outcall_run', 1708, {
    channel: false,
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Action', 'Result', 'Job-UUID', 'Peer-UUID'],
  }),
  'kick-member': template('conference_api.c', 'conference_api_sub_kick', 902, {
    variables: false,
    before: [...CONFERENCE_HEADERS, 'Floor'],
    after: MEMBER_HEADERS,
  }),
} as const satisfies Record<string, EventTemplate>;

export type ConferenceAction = keyof typeof CONFERENCE_TEMPLATES;

/**
 * CUSTOM `spandsp::rxfaxresult`: the channel's data, then the fax headers in the order
 * mod_spandsp_fax.c's phase_e_handler adds them. Not from a capture (the rig has no spandsp
 * peer): the origin's line number is approximate.
 */
export const RX_FAX_RESULT_TEMPLATE = template('mod_spandsp_fax.c', 'phase_e_handler', 467, {
  after: [
    'fax-success',
    'fax-result-code',
    'fax-result-text',
    'fax-document-transferred-pages',
    'fax-document-total-pages',
    'fax-image-resolution',
    'fax-image-size',
    'fax-bad-rows',
    'fax-transfer-rate',
    'fax-ecm-used',
    'fax-local-station-id',
    'fax-remote-station-id',
  ],
});

/** Every event name FreeSWITCH's `switch_name_event` accepts (`event`/`nixevent` ignore others). */
export const KNOWN_EVENT_NAMES: ReadonlySet<string> = new Set(
  (
    'CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER CHANNEL_HANGUP ' +
    'CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_BRIDGE ' +
    'CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_OUTGOING CHANNEL_PARK CHANNEL_UNPARK ' +
    'CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID API LOG INBOUND_CHAN OUTBOUND_CHAN STARTUP SHUTDOWN PUBLISH ' +
    'UNPUBLISH TALK NOTALK SESSION_CRASH MODULE_LOAD MODULE_UNLOAD DTMF MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT ' +
    'PRESENCE_PROBE MESSAGE_WAITING MESSAGE_QUERY ROSTER CODEC BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE ' +
    'PRIVATE_COMMAND HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE EXE_SCHEDULE RE_SCHEDULE RELOADXML NOTIFY ' +
    'PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE REQUEST_PARAMS CHANNEL_DATA GENERAL COMMAND ' +
    'SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED SEND_INFO RECV_INFO RECV_RTCP_MESSAGE ' +
    'SEND_RTCP_MESSAGE CALL_SECURE NAT RECORD_START RECORD_STOP PLAYBACK_START PLAYBACK_STOP CALL_UPDATE FAILURE ' +
    'SOCKET_DATA MEDIA_BUG_START MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA CALL_SETUP_REQ ' +
    'CALL_SETUP_RESULT CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED ALL'
  ).split(' '),
);

/** What `myevents` subscribes an outbound socket to (ESL-NOTES §3). */
export const MYEVENTS_SET: readonly string[] = [
  'CHANNEL_ANSWER',
  'CHANNEL_APPLICATION',
  'CHANNEL_BRIDGE',
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK',
  'DETECTED_SPEECH',
  'DTMF',
  'NOTALK',
  'TALK',
];

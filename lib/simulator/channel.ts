import type { HangupCause } from '../esl/hangup-causes';
import type { CallerProfileField } from './event-templates';

export type CallDirection = 'inbound' | 'outbound';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';
export type CallState = 'DOWN' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HANGUP';
export type ChannelStateName =
  | 'CS_INIT'
  | 'CS_ROUTING'
  | 'CS_SOFT_EXECUTE'
  | 'CS_RESET'
  | 'CS_EXECUTE'
  | 'CS_EXCHANGE_MEDIA'
  | 'CS_CONSUME_MEDIA'
  | 'CS_HANGUP'
  | 'CS_REPORTING';

/** Clock readings in ms; the event headers carry them in µs. */
export interface ChannelTimes {
  created: number;
  progress?: number;
  progressMedia?: number;
  answered?: number;
  bridged?: number;
  hangup?: number;
  transfer?: number;
}

/** The profile fields that are data; the time fields are derived from ChannelTimes. */
export type ProfileValues = Partial<Record<CallerProfileField, string>>;

export interface OtherLeg {
  readonly type: 'originator' | 'originatee';
  readonly uuid: string;
  /** The other leg's profile as it was when the legs met; FreeSWITCH keeps it after the leg is gone. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface PlaybackRecord {
  readonly file: string;
  readonly startedAt: number;
  endedAt?: number;
  status?: 'done' | 'break' | 'hangup';
}

export interface RecordingRecord {
  readonly path: string;
  readonly via: 'record_session' | 'uuid_record';
  readonly startedAt: number;
  stoppedAt?: number;
}

export interface ChannelView {
  readonly uuid: string;
  readonly name: string;
  readonly direction: CallDirection;
  readonly state: ChannelStateName;
  readonly callState: CallState;
  readonly answerState: AnswerState;
  readonly callerIdNumber: string | undefined;
  readonly destination: string | undefined;
  readonly variables: Readonly<Record<string, string>>;
  readonly hangupCause: HangupCause | undefined;
  /** The uuid this leg is bridged to right now. */
  readonly bridgedTo: string | undefined;
  /** The application running on the leg (innermost), if any. */
  readonly application: string | undefined;
  /** Digits the phone on this leg pressed. */
  readonly dtmfPressed: readonly string[];
  /** Digits FreeSWITCH sent to the phone on this leg (forwarded across a bridge, send_dtmf, uuid_send_dtmf). */
  readonly dtmfReceived: readonly string[];
  readonly playbacks: readonly PlaybackRecord[];
  readonly recordings: readonly RecordingRecord[];
  readonly createdAt: number;
  readonly answeredAt: number | undefined;
  readonly hangupAt: number | undefined;
}

export interface ChannelSpec {
  uuid: string;
  name: string;
  direction: CallDirection;
  profile: ProfileValues;
  createdAt: number;
  callUuid?: string;
}

/**
 * A leg's state as FreeSWITCH reports it in events. Behaviour lives in the core and the session;
 * this class only keeps the data consistent (variables are re-appended when set, as
 * FreeSWITCH's channel variable list does, which the captures show).
 */
export class Channel {
  readonly uuid: string;
  readonly name: string;
  readonly direction: CallDirection;
  readonly profile: ProfileValues;
  readonly times: ChannelTimes;
  readonly dtmfPressed: string[] = [];
  readonly dtmfReceived: string[] = [];
  readonly playbacks: PlaybackRecord[] = [];
  readonly recordings: RecordingRecord[] = [];
  state: ChannelStateName = 'CS_INIT';
  stateNumber = 2;
  callState: CallState = 'DOWN';
  answerState: AnswerState = 'ringing';
  hitDialplan = false;
  callUuid: string;
  hangupCause: HangupCause | undefined;
  /** Codec headers appear once media is up (pre-answer or answer). */
  media = false;
  other: OtherLeg | undefined;
  bridgedTo: string | undefined;
  application: string | undefined;
  private readonly vars = new Map<string, string>();

  constructor(spec: ChannelSpec) {
    this.uuid = spec.uuid;
    this.name = spec.name;
    this.direction = spec.direction;
    this.profile = spec.profile;
    this.times = { created: spec.createdAt };
    this.callUuid = spec.callUuid ?? spec.uuid;
  }

  get up(): boolean {
    return this.answerState !== 'hangup';
  }

  get answered(): boolean {
    return this.times.answered !== undefined;
  }

  getVar(name: string): string | undefined {
    return this.vars.get(name);
  }

  /** An empty value unsets, as `set foo=` does in FreeSWITCH. */
  setVar(name: string, value: string | undefined): void {
    this.vars.delete(name);
    if (value !== undefined && value !== '') this.vars.set(name, value);
  }

  variables(): ReadonlyArray<readonly [string, string]> {
    return [...this.vars.entries()];
  }

  /** Visits the variables in order without a pair per variable (every channel event lists them). */
  forEachVar(visit: (name: string, value: string) => void): void {
    this.vars.forEach((value, name) => visit(name, value));
  }

  isTrue(name: string): boolean {
    return /^(true|yes|on|1|enabled|active|allow)$/i.test(this.vars.get(name) ?? '');
  }

  view(): ChannelView {
    return {
      uuid: this.uuid,
      name: this.name,
      direction: this.direction,
      state: this.state,
      callState: this.callState,
      answerState: this.answerState,
      callerIdNumber: this.profile['Caller-ID-Number'],
      destination: this.profile['Destination-Number'],
      variables: Object.fromEntries(this.vars),
      hangupCause: this.hangupCause,
      bridgedTo: this.bridgedTo,
      application: this.application,
      dtmfPressed: [...this.dtmfPressed],
      dtmfReceived: [...this.dtmfReceived],
      playbacks: this.playbacks.map((p) => ({ ...p })),
      recordings: this.recordings.map((r) => ({ ...r })),
      createdAt: this.times.created,
      answeredAt: this.times.answered,
      hangupAt: this.times.hangup,
    };
  }
}

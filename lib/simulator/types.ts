import type { Logger } from 'winston';
import type { HangupCause } from '../esl/hangup-causes';
import type { Clock } from '../time/clock';
import type { CdrTarget } from './cdr-poster';

export interface DtmfPress {
  /** Milliseconds after the call was answered when the first digit arrives; the others follow `dtmfIntervalMs` apart. */
  afterMs: number;
  digits: string;
}

/** How the phone at a dialled number (the far end of one of our legs) behaves. */
export type PhoneBehaviour =
  | {
      kind: 'answer';
      afterMs?: number;
      /** Send 180 Ringing (CHANNEL_PROGRESS) before answering. */
      ringing?: boolean;
      dtmf?: DtmfPress[];
      /** The far end hangs up (BYE) this long after answering. */
      hangupAfterMs?: number;
      /** A fax machine: `spandsp_start_fax_detect` on the leg fires, and `rxfax` receives one page. */
      faxTone?: boolean;
      /** A fax machine that sends this many pages, taking `durationMs` (default 20 s) once `rxfax` runs. */
      fax?: FaxSender;
      /**
       * The leg's outbound socket never reaches the controller: its connect is lost on the way (a
       * route that drops it), so FreeSWITCH's connect blocks and the answered leg stays up.
       */
      socketLost?: boolean;
    }
  | { kind: 'busy'; afterMs?: number }
  | { kind: 'no-answer' }
  | { kind: 'unallocated'; afterMs?: number }
  | { kind: 'congestion'; afterMs?: number; cause?: 'NORMAL_CIRCUIT_CONGESTION' | 'NORMAL_TEMPORARY_FAILURE' }
  | { kind: 'reject'; cause: HangupCause; afterMs?: number };

export interface FaxSender {
  pages: number;
  durationMs?: number;
}

/** One behaviour for every call, or one per call in turn, the last one repeating (`setPhone`). */
export type PhoneScript = PhoneBehaviour | readonly PhoneBehaviour[];

/** The subscriber's phone on an inbound call (placeInboundCall). */
export interface InboundCaller {
  dtmf?: DtmfPress[];
  /** The caller hangs up this long after the call was answered. */
  hangupAfterMs?: number;
  /** The caller gives up this long after dialling if nobody answered (CANCEL → ORIGINATOR_CANCEL). */
  abandonAfterMs?: number;
}

export interface SimulatorOptions {
  eslHost?: string;
  /** 0 picks a free port. */
  eslPort?: number;
  password?: string;
  hostname?: string;
  clock?: Clock;
  gateways?: string[];
  /** The phone at any number without its own behaviour (default: answers at once). */
  defaultPhone?: PhoneBehaviour;
  logger?: Logger;
  /** Length of a played file whose name does not say (silence_stream://N says N ms). */
  defaultPlaybackMs?: number;
  /** Lengths of particular files, by the path as played. */
  fileDurations?: Record<string, number>;
  /** Paths that do not exist on the switch: `playback` of one answers FILE NOT FOUND without playing. */
  missingFiles?: readonly string[];
  /**
   * Milliseconds between two digits of a phone's DTMF script, which a real phone sends one RFC
   * 2833 event at a time (default 400, from capture 06); 0 sends an entry's digits at once.
   */
  dtmfIntervalMs?: number;
  /**
   * Where the `linger` notice falls when a lingering socket's channel hangs up. FreeSWITCH races
   * here (capture README surprise 1); 'after-unpark' (07a) is the harder case for a client, since
   * CHANNEL_HANGUP_COMPLETE follows the notice; 'after-hangup' puts it right after CHANNEL_HANGUP (04d).
   */
  lingerNotice?: LingerNoticePlace;
  /** The other orders FreeSWITCH resolves either way; each defaults to the one played so far. */
  races?: Partial<RaceOrders>;
  /** Post a mod_json_cdr CDR for every leg that ends (see `postCdrsTo`). */
  cdr?: CdrTarget;
}

/**
 * Orders a real FreeSWITCH resolves either way from one run to the next (capture README surprises
 * 1, 2, 19). Each default is the order the captures show most often; a test picks the other one to
 * prove the controller copes with both (the linger notice's place is `lingerNotice`).
 */
export interface RaceOrders {
  /**
   * `originate … &socket(…)`: the outbound socket connects before the BACKGROUND_JOB goes out (04,
   * 05, ESL-NOTES §9), or the socket application connects only after it (the order the docs assume).
   */
  originateSocket: 'socket-first' | 'job-first';
  /**
   * `originate … &app`: the leg's CHANNEL_EXECUTE comes after the originate's result (its
   * BACKGROUND_JOB; every capture but one), or before it (06: the session thread won).
   */
  originatedApplication: 'after-result' | 'before-result';
  /**
   * The socket application parks after the client's first command, so a client that sends
   * `myevents` right after `connect` sees CHANNEL_PARK (most captures); or it parks as soon as
   * `connect` is answered and the socket never sees CHANNEL_PARK; or it parks only when the first
   * `sendmsg` arrives, so the commands before it (`event json`, 14) already apply to CHANNEL_PARK.
   */
  socketPark: 'after-first-command' | 'before-myevents' | 'at-first-sendmsg';
  /**
   * Without linger, the socket gets CHANNEL_HANGUP_COMPLETE before the disconnect notice (07b), or
   * the notice follows CHANNEL_UNPARK and the socket app's EXECUTE_COMPLETE and HANGUP_COMPLETE are lost (07c).
   */
  unlingeredHangupComplete: 'delivered' | 'lost';
  /**
   * B leaves its bridge with A: A's CHANNEL_UNBRIDGE comes before B's CHANNEL_HANGUP_COMPLETE, or
   * after it. 'as-captured': before it under the `bridge` application (05), after it under
   * `uuid_bridge` (09, 12d2).
   */
  bridgePeerLeaves: 'as-captured' | 'unbridge-first' | 'peer-hangup-complete-first';
  /**
   * With linger, a hung-up leg's CS_REPORTING state and CHANNEL_HANGUP_COMPLETE follow its
   * CS_HANGUP state at once ('at-once'), or, once the linger notice is out, only after the
   * controller's next command has been answered (or 20 ms by the clock): the session thread is
   * still unwinding when the listener sends the notice, so an `exit` sent on the notice loses them (04d).
   */
  lingeredReporting: 'at-once' | 'after-controller-command';
}

export const DEFAULT_RACES: RaceOrders = {
  originateSocket: 'socket-first',
  originatedApplication: 'after-result',
  socketPark: 'after-first-command',
  unlingeredHangupComplete: 'delivered',
  bridgePeerLeaves: 'as-captured',
  lingeredReporting: 'at-once',
};

export type LingerNoticePlace = 'after-hangup' | 'after-unpark' | 'after-hangup-complete';

export interface InboundCallOptions {
  destination: string;
  callerIdNumber: string;
  callerIdName?: string;
  /** The dialplan's `socket host:port async full`. */
  socket: { host: string; port: number; async?: boolean; full?: boolean };
  /** Answer the leg in the dialplan before the socket application runs. */
  answered?: boolean;
  uuid?: string;
  caller?: InboundCaller;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly kind: 'inbound' | 'outbound';
  /** The controlled channel of an outbound socket. */
  readonly sessionUuid: string | undefined;
  readonly remoteAddress: string | undefined;
}

import { parseHangupCause, type HangupCause } from '../../esl/hangup-causes';
import type { EslEvent } from '../../esl/wire';
import type { CdrSource } from '../../store/cdrs';
import type { Clock } from '../../time/clock';
import { Latch } from './latch';

/** How a leg ended, from its CHANNEL_HANGUP_COMPLETE (or estimated when that never came). */
export interface LegEnd {
  readonly cause: HangupCause;
  /** Whole seconds from this leg's own answer (B2); 0 when it never answered. */
  readonly billsec: number;
  readonly startedAt: number | null;
  readonly answeredAt: number | null;
  readonly endedAt: number;
  /** False when FreeSWITCH never reported the end and the engine estimated it. */
  readonly reported: boolean;
  /** Who reported it: our event stream (default) or a CDR FreeSWITCH posted (lib/cdr). */
  readonly source?: CdrSource;
}

/** What we learn about one channel, in the order FreeSWITCH tells it; each part resolves once. */
export class LegSignals {
  readonly progress = new Latch<number>();
  /** Epoch ms of the answer. */
  readonly answered = new Latch<number>();
  /** Epoch ms of CHANNEL_BRIDGE. */
  readonly bridged = new Latch<number>();
  readonly hangup = new Latch<HangupCause>();
  readonly ended = new Latch<LegEnd>();

  constructor(
    readonly uuid: string,
    private readonly clock: Clock,
  ) {}

  offer(event: EslEvent): void {
    const at = eventTime(event, this.clock);
    switch (event.name) {
      case 'CHANNEL_PROGRESS':
      case 'CHANNEL_PROGRESS_MEDIA':
        this.progress.resolve(at);
        return;
      case 'CHANNEL_ANSWER':
        this.answered.resolve(answeredAtOf(event) ?? at);
        return;
      case 'CHANNEL_BRIDGE':
        this.bridged.resolve(at);
        return;
      case 'CHANNEL_HANGUP':
        this.hangup.resolve(causeOf(event));
        return;
      case 'CHANNEL_HANGUP_COMPLETE': {
        const end = legEndOf(event, at);
        this.hangup.resolve(end.cause);
        this.ended.resolve(end);
        return;
      }
    }
  }
}

/**
 * Routes FreeSWITCH events to the legs we watch, from the inbound connections and from the
 * outbound sockets alike: whichever copy of an event arrives first counts (the socket may lose
 * CHANNEL_HANGUP_COMPLETE, 07c; the inbound connection may lag it).
 */
export class LegEventHub {
  private readonly legs = new Map<string, LegSignals>();

  constructor(private readonly clock: Clock) {}

  watch(uuid: string): LegSignals {
    let signals = this.legs.get(uuid);
    if (!signals) {
      signals = new LegSignals(uuid, this.clock);
      this.legs.set(uuid, signals);
    }
    return signals;
  }

  forget(uuid: string): void {
    this.legs.delete(uuid);
  }

  get watching(): number {
    return this.legs.size;
  }

  offer(event: EslEvent): void {
    const uuid = event.headers.get('Unique-ID');
    if (uuid !== undefined) this.legs.get(uuid)?.offer(event);
    // CHANNEL_BRIDGE is fired once, on the originator (§4); the other leg learns of it here.
    if (event.name === 'CHANNEL_BRIDGE') {
      for (const header of ['Bridge-A-Unique-ID', 'Bridge-B-Unique-ID']) {
        const other = event.headers.get(header);
        if (other !== undefined && other !== uuid) this.legs.get(other)?.bridged.resolve(eventTime(event, this.clock));
      }
    }
  }
}

function causeOf(event: EslEvent): HangupCause {
  const text = event.headers.get('Hangup-Cause') ?? event.headers.get('variable_hangup_cause') ?? '';
  return parseHangupCause(text) ?? 'NORMAL_UNSPECIFIED';
}

function microsHeader(event: EslEvent, name: string): number | undefined {
  const value = Number(event.headers.get(name));
  return Number.isFinite(value) && value > 0 ? Math.floor(value / 1000) : undefined;
}

/** The channel's answer time as its data says (µs), when it has answered. */
export function answeredAtOf(event: EslEvent): number | undefined {
  return microsHeader(event, 'Caller-Channel-Answered-Time') ?? microsHeader(event, 'Channel-Channel-Answered-Time');
}

/** When FreeSWITCH fired the event (µs header), so timers do not drift with our processing. */
export function eventTime(event: EslEvent, clock: Clock): number {
  return microsHeader(event, 'Event-Date-Timestamp') ?? clock.now();
}

function legEndOf(event: EslEvent, at: number): LegEnd {
  const headers = event.headers;
  const cause = parseHangupCause(headers.get('variable_hangup_cause') ?? '') ?? causeOf(event);
  const billsec = Number(headers.get('variable_billsec'));
  return {
    cause,
    billsec: Number.isSafeInteger(billsec) && billsec > 0 ? billsec : 0,
    startedAt: microsHeader(event, 'variable_start_uepoch') ?? null,
    answeredAt: microsHeader(event, 'variable_answer_uepoch') ?? null,
    endedAt: microsHeader(event, 'variable_end_uepoch') ?? at,
    reported: true,
  };
}

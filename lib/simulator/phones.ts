import type { HangupCause } from '../esl/hangup-causes';
import { hangupCauseInfo } from '../esl/hangup-causes';
import type { DtmfPress, FaxSender, PhoneBehaviour, PhoneScript } from './types';

function normaliseNumber(number: string): string {
  return number.trim().replace(/^\+/, '');
}

/**
 * The phones at the numbers our legs dial (the far ends the simulator plays). A sequence gives
 * each call to the number the next behaviour, the last one for every call after it, so a test can
 * say "busy, busy, then answer" up front instead of reacting to events.
 */
export class PhoneBook {
  private readonly phones = new Map<string, { readonly behaviours: readonly PhoneBehaviour[]; next: number }>();

  constructor(private readonly fallback: PhoneBehaviour = { kind: 'answer' }) {}

  set(number: string, script: PhoneScript): void {
    const behaviours = isSequence(script) ? [...script] : [script];
    if (behaviours.length === 0) throw new Error(`phone ${number}: a sequence needs at least one behaviour`);
    this.phones.set(normaliseNumber(number), { behaviours, next: 0 });
  }

  /** What the phone does on the call being placed to it now; a sequence moves on. */
  take(number: string): PhoneBehaviour {
    const phone = this.phones.get(normaliseNumber(number));
    if (!phone) return this.fallback;
    const behaviour = phone.behaviours[Math.min(phone.next, phone.behaviours.length - 1)]!;
    phone.next += 1;
    return behaviour;
  }

  /** What the phone would do on its next call, without moving a sequence on. */
  get(number: string): PhoneBehaviour {
    const phone = this.phones.get(normaliseNumber(number));
    return phone ? phone.behaviours[Math.min(phone.next, phone.behaviours.length - 1)]! : this.fallback;
  }

  has(number: string): boolean {
    return this.phones.has(normaliseNumber(number));
  }
}

function isSequence(script: PhoneScript): script is readonly PhoneBehaviour[] {
  return Array.isArray(script);
}

/** What the far end does with our INVITE: answer, or refuse with a cause and SIP status, or ring on. */
export type DialOutcome =
  | { kind: 'answer'; afterMs: number; ringing: boolean }
  | { kind: 'refuse'; afterMs: number; cause: HangupCause; sip: number | undefined; ringing: boolean }
  | { kind: 'ring-forever' };

export function dialOutcome(phone: PhoneBehaviour): DialOutcome {
  switch (phone.kind) {
    case 'answer':
      return { kind: 'answer', afterMs: phone.afterMs ?? 0, ringing: phone.ringing ?? false };
    case 'no-answer':
      return { kind: 'ring-forever' };
    case 'busy':
      return refuse('USER_BUSY', phone.afterMs, 486);
    case 'unallocated':
      return refuse('UNALLOCATED_NUMBER', phone.afterMs, 404);
    case 'congestion':
      return refuse(phone.cause ?? 'NORMAL_CIRCUIT_CONGESTION', phone.afterMs, 503);
    case 'reject':
      return refuse(phone.cause, phone.afterMs, hangupCauseInfo(phone.cause).sip);
  }
}

function refuse(cause: HangupCause, afterMs: number | undefined, sip: number | undefined): DialOutcome {
  return { kind: 'refuse', afterMs: afterMs ?? 0, cause, sip, ringing: false };
}

/** What the phone does once the call is up. */
export interface InCallScript {
  dtmf?: DtmfPress[];
  hangupAfterMs?: number;
  faxTone?: boolean;
  fax?: FaxSender;
  socketLost?: boolean;
}

export function inCallScript(phone: PhoneBehaviour): InCallScript {
  return phone.kind === 'answer' ? { dtmf: phone.dtmf, hangupAfterMs: phone.hangupAfterMs, faxTone: phone.faxTone, fax: phone.fax, socketLost: phone.socketLost } : {};
}

/** What the far end sends to `rxfax`: nothing (a voice phone), or its fax. */
export function faxSenderOf(script: InCallScript | undefined): FaxSender | undefined {
  if (script?.fax) return script.fax;
  return script?.faxTone ? { pages: 1 } : undefined;
}

import type { HangupCause } from '../esl/hangup-causes';
import { hangupCauseInfo } from '../esl/hangup-causes';
import type { DtmfPress, PhoneBehaviour } from './types';

export function normaliseNumber(number: string): string {
  return number.trim().replace(/^\+/, '');
}

/** The phones at the numbers our legs dial (the far ends the simulator plays). */
export class PhoneBook {
  private readonly phones = new Map<string, PhoneBehaviour>();

  constructor(private readonly fallback: PhoneBehaviour = { kind: 'answer' }) {}

  set(number: string, behaviour: PhoneBehaviour): void {
    this.phones.set(normaliseNumber(number), behaviour);
  }

  get(number: string): PhoneBehaviour {
    return this.phones.get(normaliseNumber(number)) ?? this.fallback;
  }

  has(number: string): boolean {
    return this.phones.has(normaliseNumber(number));
  }
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
}

export function inCallScript(phone: PhoneBehaviour): InCallScript {
  return phone.kind === 'answer' ? { dtmf: phone.dtmf, hangupAfterMs: phone.hangupAfterMs, faxTone: phone.faxTone } : {};
}

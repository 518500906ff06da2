import type { DtmfPress } from './types';

/**
 * The default time between two digits of a phone's DTMF script. A real phone sends each digit as
 * an RFC 2833 event lasting 2000 samples (250 ms) and queues the next behind it: in capture 06 the
 * five digits of two `send_dtmf` calls (`##5` at +4 s, `*8` at +5 s) reached A 643, 402, 281 and
 * 282 ms apart, 1.61 s in all, 400 ms a digit on average.
 */
export const DTMF_INTERVAL_MS = 400;

export interface ScheduledDigit {
  /** Milliseconds after the answer. */
  readonly atMs: number;
  readonly digit: string;
}

/**
 * When each digit of a phone's script reaches the switch: an entry's first digit at its `afterMs`,
 * each later one `intervalMs` after the one before, and an entry that starts while earlier digits
 * are still going out waits behind them (the sender queues, as in 06: `*8` after `5`).
 */
export function scheduleDigits(presses: readonly DtmfPress[], intervalMs: number): ScheduledDigit[] {
  const digits: ScheduledDigit[] = [];
  let free = -Infinity;
  for (const press of [...presses].sort((a, b) => a.afterMs - b.afterMs)) {
    for (const digit of press.digits) {
      const atMs = Math.max(press.afterMs, free);
      digits.push({ atMs, digit });
      free = atMs + intervalMs;
    }
  }
  return digits;
}

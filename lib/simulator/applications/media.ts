import type { PlaybackRecord } from '../channel';
import type { WakeReason } from '../session';
import type { AppContext } from './types';

export type PlayResult = 'done' | 'break' | 'hangup' | 'transfer' | 'digit';

export interface PlayOptions {
  /** Digits that stop the file and are consumed (playback_terminators). */
  terminators?: string;
  /** Any digit stops the file and stays queued for the caller (a prompt of play_and_get_digits). */
  stopOnDigit?: boolean;
}

const ALL_DIGITS = '0123456789*#ABCD';

/** `playback_terminators`: `*` unless set; `none` disables, `any` means every digit. */
export function playbackTerminators(value: string | undefined): string {
  if (value === undefined) return '*';
  if (value.toLowerCase() === 'none') return '';
  if (value.toLowerCase() === 'any') return ALL_DIGITS;
  return value;
}

/**
 * Plays a file for its simulated length: PLAYBACK_START, then PLAYBACK_STOP with status `done`
 * or `break` (a terminator, uuid_break, a hangup). A leg without media gets early media first.
 */
export async function playFile(ctx: AppContext, file: string, options: PlayOptions = {}): Promise<PlayResult> {
  const { core, session, channel } = ctx;
  if (!channel.up) return 'hangup';
  if (channel.answerState === 'ringing') core.preAnswer(channel);
  const started = core.now();
  const record: PlaybackRecord = { file, startedAt: started };
  channel.playbacks.push(record);
  core.emit('PLAYBACK_START', channel, { 'Playback-File-Path': file });
  const length = core.playbackDuration(file);
  const watchDigits = options.stopOnDigit === true || (options.terminators ?? '') !== '';
  let result: PlayResult | undefined;
  while (result === undefined) {
    const remaining = length - (core.now() - started);
    if (remaining <= 0) break;
    const reason = await session.wait({ ms: remaining, digits: watchDigits, breakable: true });
    result = playbackOutcome(reason);
    if (reason === 'digit' && !options.stopOnDigit) {
      const digit = session.digits.shift() ?? '';
      if ((options.terminators ?? '').includes(digit)) {
        channel.setVar('playback_terminator_used', digit);
        result = 'break';
      } else {
        result = undefined;
      }
    }
  }
  const outcome: PlayResult = result ?? 'done';
  const elapsed = core.now() - started;
  record.endedAt = core.now();
  record.status = outcome === 'done' ? 'done' : outcome === 'hangup' || outcome === 'transfer' ? 'hangup' : 'break';
  channel.setVar('playback_last_offset_pos', String(elapsed * 8));
  channel.setVar('playback_seconds', String(Math.floor(elapsed / 1000)));
  channel.setVar('playback_ms', String(elapsed));
  channel.setVar('playback_samples', String(elapsed * 8));
  core.emit('PLAYBACK_STOP', channel, { 'Playback-File-Path': file, 'Playback-Status': playbackStatus(outcome) });
  return outcome;
}

/**
 * switch_ivr_play_file says `break` only for SWITCH_STATUS_BREAK (a terminator, a digit the
 * caller takes, uuid_break); a hangup or transfer leaves its loop otherwise, and reads `done`.
 */
export function playbackStatus(outcome: PlayResult | WakeReason): 'done' | 'break' {
  return outcome === 'break' || outcome === 'digit' ? 'break' : 'done';
}

function playbackOutcome(reason: WakeReason): PlayResult | undefined {
  switch (reason) {
    case 'timeout':
      return 'done';
    case 'break':
      return 'break';
    case 'hangup':
      return 'hangup';
    case 'transfer':
      return 'transfer';
    case 'digit':
      return 'digit';
    default:
      return undefined;
  }
}

export interface CollectOptions {
  min: number;
  max: number;
  /** Wait for the first digit. */
  timeoutMs: number;
  /** Wait between digits. */
  digitTimeoutMs: number;
  terminators: string;
}

export interface Collected {
  digits: string;
  terminator: string | undefined;
  /** The leg went away (hangup or transfer) while collecting. */
  interrupted: boolean;
}

/** Reads digits the phone presses until max, a terminator, or a timeout. */
export async function collectDigits(ctx: AppContext, options: CollectOptions): Promise<Collected> {
  const { session } = ctx;
  let digits = '';
  for (;;) {
    if (digits.length >= options.max) return { digits, terminator: undefined, interrupted: false };
    const reason = await session.wait({ digits: true, ms: digits === '' ? options.timeoutMs : options.digitTimeoutMs });
    if (reason === 'hangup' || reason === 'transfer') return { digits, terminator: undefined, interrupted: true };
    if (reason !== 'digit') return { digits, terminator: undefined, interrupted: false };
    const digit = session.digits.shift() ?? '';
    if (options.terminators.includes(digit)) return { digits, terminator: digit, interrupted: false };
    digits += digit;
  }
}

export function parseMs(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

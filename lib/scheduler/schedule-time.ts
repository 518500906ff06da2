import { DateTime } from 'luxon';
import { LocalTimeError, zonedTimeToEpochMs, type WallTime } from './local-time';

/** T4: how far ahead any path (API, portal, SMS, CLI) may schedule a callback. */
export const MAX_DAYS_AHEAD = 365;

/** Clocks differ: a time less than a minute past means "now"; a whole minute past is a mistake. */
export const PAST_SLACK_MS = 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;

export type ScheduleProblem = 'invalid_time' | 'invalid_zone' | 'nonexistent_time' | 'time_past' | 'too_far_ahead';

export type Scheduled =
  | { readonly ok: true; readonly dueAt: number }
  | { readonly ok: false; readonly problem: ScheduleProblem; readonly message: string };

/** How the refusal names the time the subscriber gave: as they wrote it, `today` when they gave no date. */
export interface ScheduleLabel {
  readonly text: string;
  readonly today?: boolean;
}

export interface ScheduleOptions {
  readonly now: number;
  /** The account's zone: a wall time is read there, and refusals name it. */
  readonly zone: string;
  readonly maxDaysAhead?: number;
}

/**
 * When a callback may be scheduled, the one rule of every path: not a minute or more in the past
 * (less is "now", so the due time is never before now), and not more than MAX_DAYS_AHEAD days
 * ahead. Refusals share one wording, naming the time as the subscriber wrote it.
 */
export function scheduleInstant(at: number, label: ScheduleLabel, options: ScheduleOptions): Scheduled {
  const maxDaysAhead = options.maxDaysAhead ?? MAX_DAYS_AHEAD;
  const today = label.today ? ' today' : '';
  if (options.now - at >= PAST_SLACK_MS) return refused('time_past', `${label.text} is already past${today} in ${options.zone}`);
  if (at - options.now > maxDaysAhead * DAY_MS) return refused('too_far_ahead', `${label.text} is more than ${maxDaysAhead} days ahead`);
  return { ok: true, dueAt: Math.max(at, options.now) };
}

/**
 * A wall time in the account's zone: a time the clocks skip for daylight saving time is refused
 * (the subscriber is asked again rather than called an hour off), a time that happens twice is
 * its first occurrence (local-time.ts), then scheduleInstant's window.
 */
export function scheduleWallTime(wall: WallTime, label: ScheduleLabel, options: ScheduleOptions): Scheduled {
  let at: number;
  try {
    at = zonedTimeToEpochMs(wall, options.zone);
  } catch (error) {
    if (!(error instanceof LocalTimeError)) throw error;
    const today = label.today ? ' today' : '';
    switch (error.problem) {
      case 'nonexistent_time':
        return refused('nonexistent_time', `${label.text}${today} does not exist in ${options.zone}: the clocks skip it for daylight saving time`);
      case 'invalid_zone':
        return refused('invalid_zone', `the account's time zone ${JSON.stringify(options.zone)} is unknown`);
      case 'invalid_time':
        return refused('invalid_time', `${label.text} is not a valid date and time`);
    }
  }
  return scheduleInstant(at, label, options);
}

const OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * ISO 8601 text (API `at`, the portal's datetime-local, CLI `--at` with a space or a T): with an
 * offset it is an instant; without one, a wall time in the account's zone.
 */
export function scheduleIsoText(text: string, options: ScheduleOptions): Scheduled {
  const label = { text: JSON.stringify(text) };
  const trimmed = text.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  if (OFFSET.test(trimmed)) {
    const instant = DateTime.fromISO(trimmed, { setZone: true });
    return instant.isValid ? scheduleInstant(instant.toMillis(), label, options) : refused('invalid_time', `${label.text} is not a valid date and time`);
  }
  // Read in UTC, which has no gaps, to get the wall time exactly as written.
  const wall = DateTime.fromISO(trimmed, { zone: 'utc' });
  if (!wall.isValid) return refused('invalid_time', `${label.text} is not a valid date and time`);
  const { year, month, day, hour, minute, second } = wall;
  return scheduleWallTime({ year, month, day, hour, minute, second }, label, options);
}

function refused(problem: ScheduleProblem, message: string): Scheduled {
  return { ok: false, problem, message };
}

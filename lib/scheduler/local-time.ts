import { DateTime, IANAZone } from 'luxon';

/** A date and time as the account's subscriber reads it on a wall clock (T4, S1). */
export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

export type LocalTimeProblem = 'invalid_zone' | 'invalid_time' | 'nonexistent_time';

export class LocalTimeError extends Error {
  constructor(
    readonly problem: LocalTimeProblem,
    message: string,
  ) {
    super(message);
    this.name = 'LocalTimeError';
  }
}

function zoneOf(zone: string): IANAZone {
  if (!IANAZone.isValidZone(zone)) {
    throw new LocalTimeError('invalid_zone', `unknown time zone ${JSON.stringify(zone)}: expected an IANA name such as Europe/Berlin`);
  }
  return IANAZone.create(zone);
}

function formatWall(wall: WallTime): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}:${two(wall.second ?? 0)}`;
}

/**
 * The instant at which the wall clocks of `zone` show `wall`.
 *
 * Daylight-saving changes make two kinds of wall time special, and both are decided here rather
 * than left to a library default:
 * - a time in the spring-forward gap (02:30 on the last Sunday of March in Europe/Berlin) never
 *   happens: refused with `nonexistent_time`, so the subscriber is asked again instead of being
 *   called an hour off;
 * - a time in the fall-back overlap (02:30 on the last Sunday of October) happens twice: the first
 *   occurrence is taken (the earlier instant, still on summer time), so the call is never late.
 */
export function zonedTimeToEpochMs(wall: WallTime, zone: string): number {
  const ianaZone = zoneOf(zone);
  // Luxon would roll 24:00 or minute 60 over into the next hour or day; a subscriber never means that.
  const inRange = (value: number, max: number) => Number.isInteger(value) && value >= 0 && value <= max;
  if (!inRange(wall.hour, 23) || !inRange(wall.minute, 59) || !inRange(wall.second ?? 0, 59)) {
    throw new LocalTimeError('invalid_time', `${formatWall(wall)} is not a valid time of day`);
  }
  const local = DateTime.fromObject({ ...wall, second: wall.second ?? 0, millisecond: 0 }, { zone: ianaZone });
  if (!local.isValid) {
    const why = local.invalidExplanation ?? local.invalidReason ?? 'invalid';
    throw new LocalTimeError('invalid_time', `${formatWall(wall)} is not a valid date and time (${why})`);
  }
  // Luxon moves a time in the gap forward; a changed wall time means it does not exist.
  if (local.hour !== wall.hour || local.minute !== wall.minute || local.day !== wall.day) {
    const why = 'the clocks skip it for daylight saving time';
    throw new LocalTimeError('nonexistent_time', `${formatWall(wall)} does not exist in ${zone} (${why})`);
  }
  return Math.min(...local.getPossibleOffsets().map((candidate) => candidate.toMillis()));
}

/** What the wall clocks of `zone` show at `epochMs` (e.g. "today" for an SMS that gives a time only). */
export function wallTimeAt(epochMs: number, zone: string): Required<WallTime> {
  const local = DateTime.fromMillis(epochMs, { zone: zoneOf(zone) });
  return { year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second };
}

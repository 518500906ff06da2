import { LocalTimeError, wallTimeAt, zonedTimeToEpochMs } from '../../scheduler/local-time';
import { failure, success, type Step } from './commands';
import type { DateField, TimeField } from './fields';

export interface WhenOptions {
  readonly now: number;
  readonly timeZone: string;
  readonly maxDaysAhead: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant a scheduled command means, in the account's zone. A time alone is today: one that
 * has already passed is refused rather than silently moved to tomorrow, because the subscriber
 * who typed 09:00 at 10:00 most likely made a typo, and a call at 09:00 tomorrow would surprise.
 */
export function resolveWhen(date: DateField | undefined, time: TimeField, options: WhenOptions): Step<number> {
  const { now, timeZone } = options;
  let day: { year: number; month: number; day: number };
  try {
    const { year, month, day: dayOfMonth } = date ?? wallTimeAt(now, timeZone);
    day = { year, month, day: dayOfMonth };
  } catch (error) {
    return zoneFailure(error, timeZone);
  }
  let at: number;
  try {
    at = zonedTimeToEpochMs({ ...day, hour: time.hour, minute: time.minute }, timeZone);
  } catch (error) {
    if (error instanceof LocalTimeError && error.problem === 'nonexistent_time') {
      const on = date ? date.text : 'today';
      return failure('nonexistent_time', `${time.text} ${date ? `on ${on}` : on} does not exist in ${timeZone}: the clocks skip it for daylight saving time`);
    }
    return zoneFailure(error, timeZone);
  }
  if (at < now) {
    return date
      ? failure('time_past', `${date.text} ${time.text} is already past in ${timeZone}`)
      : failure('time_past', `${time.text} is already past today in ${timeZone}`);
  }
  if (at - now > options.maxDaysAhead * DAY_MS) {
    return failure('too_far_ahead', `${date?.text ?? time.text} is more than ${options.maxDaysAhead} days ahead`);
  }
  return success(at);
}

function zoneFailure(error: unknown, timeZone: string): Step<never> {
  if (!(error instanceof LocalTimeError)) throw error;
  if (error.problem === 'invalid_zone') return failure('invalid_zone', `the account's time zone ${JSON.stringify(timeZone)} is unknown`);
  return failure('invalid_time', error.message);
}

import { LocalTimeError, wallTimeAt } from '../../scheduler/local-time';
import { scheduleWallTime } from '../../scheduler/schedule-time';
import { failure, success, type Step } from './commands';
import type { DateField, TimeField } from './fields';

export interface WhenOptions {
  readonly now: number;
  readonly timeZone: string;
  readonly maxDaysAhead: number;
}

/**
 * The instant a scheduled command means, in the account's zone, by the rule every path shares
 * (scheduler/schedule-time.ts). A time alone is today: one that has already passed is refused
 * rather than silently moved to tomorrow, because the subscriber who typed 09:00 at 10:00 most
 * likely made a typo, and a call at 09:00 tomorrow would surprise.
 */
export function resolveWhen(date: DateField | undefined, time: TimeField, options: WhenOptions): Step<number> {
  const { now, timeZone } = options;
  let day: { year: number; month: number; day: number };
  try {
    const { year, month, day: dayOfMonth } = date ?? wallTimeAt(now, timeZone);
    day = { year, month, day: dayOfMonth };
  } catch (error) {
    if (!(error instanceof LocalTimeError)) throw error;
    return failure('invalid_zone', `the account's time zone ${JSON.stringify(timeZone)} is unknown`);
  }
  const label = date ? { text: `${date.text} ${time.text}` } : { text: time.text, today: true };
  const scheduled = scheduleWallTime({ ...day, hour: time.hour, minute: time.minute }, label, { now, zone: timeZone, maxDaysAhead: options.maxDaysAhead });
  return scheduled.ok ? success(scheduled.dueAt) : failure(scheduled.problem, scheduled.message);
}

import { DateTime } from 'luxon';
import { MAX_DAYS_AHEAD, scheduleInstant, scheduleIsoText, scheduleWallTime } from '../../lib/scheduler/schedule-time';

const BERLIN = 'Europe/Berlin';
const NOW = Date.parse('2026-11-26T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const at = { now: NOW, zone: BERLIN };
const label = { text: 'then' };

describe('scheduleInstant: the window every path shares (#18 item 6)', () => {
  it('takes a time less than a minute past as now, and refuses one a whole minute past', () => {
    expect(scheduleInstant(NOW - 59_999, label, at)).toEqual({ ok: true, dueAt: NOW });
    expect(scheduleInstant(NOW - 60_000, label, at)).toEqual({ ok: false, problem: 'time_past', message: 'then is already past in Europe/Berlin' });
    expect(scheduleInstant(NOW - 60_000, { text: '09:00', today: true }, at)).toMatchObject({ message: '09:00 is already past today in Europe/Berlin' });
  });

  it(`takes up to ${MAX_DAYS_AHEAD} days ahead to the millisecond, and no more`, () => {
    expect(scheduleInstant(NOW + MAX_DAYS_AHEAD * DAY, label, at)).toEqual({ ok: true, dueAt: NOW + MAX_DAYS_AHEAD * DAY });
    expect(scheduleInstant(NOW + MAX_DAYS_AHEAD * DAY + 1, label, at)).toEqual({ ok: false, problem: 'too_far_ahead', message: 'then is more than 365 days ahead' });
    expect(scheduleInstant(NOW + 31 * DAY, label, { ...at, maxDaysAhead: 30 })).toMatchObject({ problem: 'too_far_ahead', message: 'then is more than 30 days ahead' });
  });
});

describe('scheduleWallTime', () => {
  it('refuses a time the clocks skip, takes the first of a time that happens twice', () => {
    expect(scheduleWallTime({ year: 2027, month: 3, day: 28, hour: 2, minute: 30 }, label, at)).toEqual({
      ok: false,
      problem: 'nonexistent_time',
      message: 'then does not exist in Europe/Berlin: the clocks skip it for daylight saving time',
    });
    expect(scheduleWallTime({ year: 2027, month: 10, day: 31, hour: 2, minute: 30 }, label, at)).toEqual({ ok: true, dueAt: Date.parse('2027-10-31T00:30:00Z') });
  });

  it('names an unknown zone and an impossible date', () => {
    expect(scheduleWallTime({ year: 2027, month: 1, day: 1, hour: 9, minute: 0 }, label, { now: NOW, zone: 'Mars/Olympus' })).toMatchObject({ problem: 'invalid_zone' });
    expect(scheduleWallTime({ year: 2027, month: 2, day: 30, hour: 9, minute: 0 }, label, at)).toMatchObject({ problem: 'invalid_time', message: 'then is not a valid date and time' });
  });
});

describe('scheduleIsoText: API `at`, the portal form, CLI `--at`', () => {
  it('reads a time without an offset on the account wall clock, with a space or a T', () => {
    const expected = DateTime.fromISO('2026-11-27T09:30', { zone: BERLIN }).toMillis();
    expect(scheduleIsoText('2026-11-27T09:30', at)).toEqual({ ok: true, dueAt: expected });
    expect(scheduleIsoText('2026-11-27 09:30:00', at)).toEqual({ ok: true, dueAt: expected });
  });

  it('reads a time with an offset as that instant, where no daylight-saving gap applies', () => {
    expect(scheduleIsoText('2027-03-28T02:30:00+01:00', at)).toEqual({ ok: true, dueAt: Date.parse('2027-03-28T01:30:00Z') });
    expect(scheduleIsoText('2026-11-27T09:30:00Z', at)).toEqual({ ok: true, dueAt: Date.parse('2026-11-27T09:30:00Z') });
  });

  it('refuses, in the same words as SMS, a gap, a time past, a time too far and text that is no time', () => {
    expect(scheduleIsoText('2027-03-28T02:30', at)).toMatchObject({ problem: 'nonexistent_time', message: '"2027-03-28T02:30" does not exist in Europe/Berlin: the clocks skip it for daylight saving time' });
    expect(scheduleIsoText('2020-01-01T00:00:00Z', at)).toMatchObject({ problem: 'time_past', message: '"2020-01-01T00:00:00Z" is already past in Europe/Berlin' });
    expect(scheduleIsoText('2027-11-27T09:30', at)).toMatchObject({ problem: 'too_far_ahead', message: '"2027-11-27T09:30" is more than 365 days ahead' });
    expect(scheduleIsoText('tomorrow', at)).toMatchObject({ problem: 'invalid_time', message: '"tomorrow" is not a valid date and time' });
    expect(scheduleIsoText('2026-11-27T25:00', at)).toMatchObject({ problem: 'invalid_time' });
  });
});

import { LocalTimeError, wallTimeAt, zonedTimeToEpochMs } from '../../lib/scheduler/local-time';

const BERLIN = 'Europe/Berlin';

function problemOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof LocalTimeError) return error.problem;
    throw error;
  }
  return undefined;
}

describe('zonedTimeToEpochMs', () => {
  it('reads a wall time in the zone, winter and summer', () => {
    expect(zonedTimeToEpochMs({ year: 2026, month: 1, day: 15, hour: 12, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 0, 15, 11, 0));
    expect(zonedTimeToEpochMs({ year: 2026, month: 7, day: 1, hour: 12, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 6, 1, 10, 0));
    expect(zonedTimeToEpochMs({ year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 30 }, 'America/New_York')).toBe(
      Date.UTC(2026, 6, 1, 16, 0, 30),
    );
  });

  describe('on the spring-forward day (Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST)', () => {
    const day = { year: 2026, month: 3, day: 29 };
    it('uses winter time before the change and summer time after it', () => {
      expect(zonedTimeToEpochMs({ ...day, hour: 1, minute: 59 }, BERLIN)).toBe(Date.UTC(2026, 2, 29, 0, 59));
      expect(zonedTimeToEpochMs({ ...day, hour: 3, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 2, 29, 1, 0));
      expect(zonedTimeToEpochMs({ ...day, hour: 12, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 2, 29, 10, 0));
    });

    it('refuses a time in the gap, which never happens', () => {
      expect(problemOf(() => zonedTimeToEpochMs({ ...day, hour: 2, minute: 0 }, BERLIN))).toBe('nonexistent_time');
      expect(problemOf(() => zonedTimeToEpochMs({ ...day, hour: 2, minute: 30 }, BERLIN))).toBe('nonexistent_time');
      expect(() => zonedTimeToEpochMs({ ...day, hour: 2, minute: 30 }, BERLIN)).toThrow(/2026-03-29 02:30:00 does not exist in Europe\/Berlin/);
    });
  });

  describe('on the fall-back day (Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET)', () => {
    const day = { year: 2026, month: 10, day: 25 };
    it('takes the first (earlier) of the two 02:30s', () => {
      expect(zonedTimeToEpochMs({ ...day, hour: 2, minute: 30 }, BERLIN)).toBe(Date.UTC(2026, 9, 25, 0, 30));
      expect(zonedTimeToEpochMs({ ...day, hour: 2, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 9, 25, 0, 0));
    });

    it('is unambiguous outside the repeated hour', () => {
      expect(zonedTimeToEpochMs({ ...day, hour: 1, minute: 59 }, BERLIN)).toBe(Date.UTC(2026, 9, 24, 23, 59));
      expect(zonedTimeToEpochMs({ ...day, hour: 3, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 9, 25, 2, 0));
      expect(zonedTimeToEpochMs({ ...day, hour: 12, minute: 0 }, BERLIN)).toBe(Date.UTC(2026, 9, 25, 11, 0));
    });
  });

  it('refuses an unknown zone with a clear error', () => {
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 1, day: 1, hour: 0, minute: 0 }, 'Europe/Atlantis'))).toBe('invalid_zone');
    expect(() => zonedTimeToEpochMs({ year: 2026, month: 1, day: 1, hour: 0, minute: 0 }, 'Europe/Atlantis')).toThrow(/unknown time zone "Europe\/Atlantis"/);
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 1, day: 1, hour: 0, minute: 0 }, ''))).toBe('invalid_zone');
  });

  it('refuses dates and times that do not exist on any calendar', () => {
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 2, day: 29, hour: 12, minute: 0 }, BERLIN))).toBe('invalid_time');
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 13, day: 1, hour: 12, minute: 0 }, BERLIN))).toBe('invalid_time');
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 1, day: 1, hour: 24, minute: 0 }, BERLIN))).toBe('invalid_time');
    expect(problemOf(() => zonedTimeToEpochMs({ year: 2026, month: 1, day: 1, hour: 12, minute: 60 }, BERLIN))).toBe('invalid_time');
  });
});

describe('wallTimeAt', () => {
  it('shows the wall clock of the zone at an instant, across the date line of UTC', () => {
    expect(wallTimeAt(Date.UTC(2026, 2, 28, 23, 30), BERLIN)).toEqual({ year: 2026, month: 3, day: 29, hour: 0, minute: 30, second: 0 });
    expect(wallTimeAt(Date.UTC(2026, 2, 29, 10, 0), BERLIN)).toEqual({ year: 2026, month: 3, day: 29, hour: 12, minute: 0, second: 0 });
  });

  it('round-trips with zonedTimeToEpochMs', () => {
    const at = Date.UTC(2026, 5, 10, 7, 45, 12);
    expect(zonedTimeToEpochMs(wallTimeAt(at, BERLIN), BERLIN)).toBe(at);
  });
});

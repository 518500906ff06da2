import fc from 'fast-check';
import { HANGUP_CAUSES, isRetryableCause, type HangupCause } from '../../lib/esl/hangup-causes';
import {
  isRetryableLegACause,
  maxAttemptsFor,
  retryDecision,
  retryDelaySeconds,
  type Backoff,
  type RetryInput,
} from '../../lib/callback/policy/retry-policy';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const base: RetryInput = { attempt: 1, maxRetries: 2, retryIntervalSeconds: 60, cause: 'USER_BUSY', now: NOW };

describe('which leg A causes are retried', () => {
  const RETRIED: ReadonlySet<HangupCause> = new Set<HangupCause>([
    // busy / no answer (C1)
    'USER_BUSY',
    'NO_ANSWER',
    'NO_USER_RESPONSE',
    'SUBSCRIBER_ABSENT',
    'USER_NOT_REGISTERED',
    'RECOVERY_ON_TIMER_EXPIRE',
    'ALLOTTED_TIMEOUT',
    'NO_PICKUP',
    // the network's fault
    'NORMAL_CIRCUIT_CONGESTION',
    'NETWORK_OUT_OF_ORDER',
    'NORMAL_TEMPORARY_FAILURE',
    'SWITCH_CONGESTION',
    'REQUESTED_CHAN_UNAVAIL',
    'GATEWAY_DOWN',
    'DESTINATION_OUT_OF_ORDER',
    'MEDIA_TIMEOUT',
    'PROGRESS_TIMEOUT',
  ]);

  it.each(HANGUP_CAUSES.map(({ name }): [HangupCause, boolean] => [name, RETRIED.has(name)]))('%s retried: %s', (cause, retried) => {
    expect(isRetryableLegACause(cause)).toBe(retried);
  });

  it('never retries what would fail the same way again', () => {
    for (const cause of ['UNALLOCATED_NUMBER', 'CALL_REJECTED', 'INVALID_NUMBER_FORMAT', 'INVALID_GATEWAY', 'NO_ROUTE_DESTINATION'] as const) {
      expect(retryDecision({ ...base, cause })).toEqual({ retry: false, reason: 'not_retryable' });
    }
  });

  it('never retries a deliberate end', () => {
    for (const cause of ['ORIGINATOR_CANCEL', 'LOSE_RACE', 'MANAGER_REQUEST'] as const) {
      expect(retryDecision({ ...base, cause })).toEqual({ retry: false, reason: 'not_retryable' });
    }
  });

  it('retries an extension like a number, except one the directory does not have (SUBSCRIBER_ABSENT from user/, docs/extension-legs.md)', () => {
    const differing = HANGUP_CAUSES.map((c) => c.name).filter((cause) => isRetryableLegACause(cause, 'extension') !== isRetryableLegACause(cause, 'number'));
    expect(differing).toEqual(['SUBSCRIBER_ABSENT']);
    expect(retryDecision({ ...base, cause: 'SUBSCRIBER_ABSENT', legA: 'extension' })).toEqual({ retry: false, reason: 'not_retryable' });
    expect(retryDecision({ ...base, cause: 'SUBSCRIBER_ABSENT', legA: 'number' })).toMatchObject({ retry: true });
    expect(retryDecision({ ...base, cause: 'USER_NOT_REGISTERED', legA: 'extension' })).toMatchObject({ retry: true, retryNumber: 1 });
  });

  it('adds only ring timeouts to the shared retryable list', () => {
    const added = HANGUP_CAUSES.map((c) => c.name).filter((cause) => isRetryableLegACause(cause) && !isRetryableCause(cause));
    expect(added.sort()).toEqual(['ALLOTTED_TIMEOUT', 'NO_PICKUP']);
    const dropped = HANGUP_CAUSES.map((c) => c.name).filter((cause) => !isRetryableLegACause(cause) && isRetryableCause(cause));
    expect(dropped).toEqual([]);
  });
});

describe('retryDecision', () => {
  it.each([
    // attempt, maxRetries, cause, expected
    [1, 2, 'USER_BUSY', { retry: true, at: NOW + 60_000, retryNumber: 1 }],
    [2, 2, 'NO_ANSWER', { retry: true, at: NOW + 60_000, retryNumber: 2 }],
    [3, 2, 'NO_ANSWER', { retry: false, reason: 'retries_exhausted' }],
    [1, 0, 'USER_BUSY', { retry: false, reason: 'retries_exhausted' }],
    [1, 1, 'GATEWAY_DOWN', { retry: true, at: NOW + 60_000, retryNumber: 1 }],
    [5, 2, 'UNALLOCATED_NUMBER', { retry: false, reason: 'not_retryable' }],
    [1, 10, 'CALL_REJECTED', { retry: false, reason: 'not_retryable' }],
  ] as const)('attempt %i of max %i retries, %s', (attempt, maxRetries, cause, expected) => {
    expect(retryDecision({ ...base, attempt, maxRetries, cause })).toEqual(expected);
  });

  it('refuses inputs that are not counts', () => {
    expect(() => retryDecision({ ...base, attempt: 0 })).toThrow(RangeError);
    expect(() => retryDecision({ ...base, attempt: 1.5 })).toThrow(RangeError);
    expect(() => retryDecision({ ...base, maxRetries: -1 })).toThrow(RangeError);
  });

  it('dials at most 1 + maxRetries times for any retryable cause', () => {
    const retryable = HANGUP_CAUSES.map((c) => c.name).filter((cause) => isRetryableLegACause(cause));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), fc.constantFrom(...retryable), (maxRetries, cause) => {
        let attempts = 1;
        while (retryDecision({ ...base, maxRetries, cause, attempt: attempts }).retry) attempts += 1;
        expect(attempts).toBe(maxAttemptsFor(maxRetries));
      }),
    );
  });

  it('schedules relative to now', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 5, max: 3600 }), (now, interval) => {
        expect(retryDecision({ ...base, now, retryIntervalSeconds: interval })).toEqual({ retry: true, at: now + interval * 1000, retryNumber: 1 });
      }),
    );
  });
});

describe('backoff', () => {
  it.each([
    [{ kind: 'fixed' }, [60, 60, 60, 60, 60]],
    [{ kind: 'linear', maxSeconds: 200 }, [60, 120, 180, 200, 200]],
    [{ kind: 'exponential', factor: 2, maxSeconds: 600 }, [60, 120, 240, 480, 600]],
  ] as const)('%j waits %j for retries 1..5', (backoff, delays) => {
    const settings = { maxRetries: 5, retryIntervalSeconds: 60, backoff };
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(settings, n))).toEqual(delays);
    expect([1, 2, 3, 4, 5].map((attempt) => retryDecision({ ...base, ...settings, attempt }))).toEqual(
      delays.map((delay, i) => ({ retry: true, at: NOW + delay * 1000, retryNumber: i + 1 })),
    );
  });

  it('defaults to the fixed interval', () => {
    expect(retryDelaySeconds({ maxRetries: 3, retryIntervalSeconds: 45 }, 3)).toBe(45);
  });

  it('never shrinks from one retry to the next and never passes its cap', () => {
    const backoff: fc.Arbitrary<Backoff> = fc.oneof(
      fc.constant<Backoff>({ kind: 'fixed' }),
      fc.integer({ min: 5, max: 7200 }).map((maxSeconds): Backoff => ({ kind: 'linear', maxSeconds })),
      fc
        .record({ factor: fc.double({ min: 1, max: 4, noNaN: true }), maxSeconds: fc.integer({ min: 5, max: 7200 }) })
        .map((r): Backoff => ({ kind: 'exponential', ...r })),
    );
    fc.assert(
      fc.property(backoff, fc.integer({ min: 5, max: 3600 }), fc.integer({ min: 1, max: 20 }), (b, interval, n) => {
        const settings = { maxRetries: 20, retryIntervalSeconds: interval, backoff: b };
        const delay = retryDelaySeconds(settings, n);
        expect(retryDelaySeconds(settings, n + 1)).toBeGreaterThanOrEqual(delay);
        if (b.kind === 'fixed') expect(delay).toBe(interval);
        else expect(delay).toBeLessThanOrEqual(b.maxSeconds);
      }),
    );
  });

  it('counts retries after the first attempt', () => {
    expect(maxAttemptsFor(0)).toBe(1);
    expect(maxAttemptsFor(2)).toBe(3);
  });
});

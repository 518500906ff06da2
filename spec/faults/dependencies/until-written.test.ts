import fc from 'fast-check';
import { DEFAULT_WRITE_RETRY, untilWritten, writeRetryDelay } from '../../../lib/callback/engine/until-written';
import { isDatabaseUnavailable } from '../../../lib/store/sql-errors';
import { ManualClock } from '../../../lib/time/clock';

/** What mysql2 throws when MariaDB is stopped (connect refused) or goes away mid-statement. */
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', errno: -111, fatal: true });
const lost = (): Error => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

describe('the write retry policy (pure)', () => {
  it('grows every delay from the first to the cap, and jitter only ever shortens it', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, random) => {
        const delay = writeRetryDelay(DEFAULT_WRITE_RETRY, attempt, () => random);
        const full = writeRetryDelay(DEFAULT_WRITE_RETRY, attempt, () => 0);
        expect(full).toBe(Math.min(DEFAULT_WRITE_RETRY.maxMs, DEFAULT_WRITE_RETRY.initialMs * 2 ** attempt));
        expect(delay).toBeLessThanOrEqual(full);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(full * (1 - DEFAULT_WRITE_RETRY.jitter)));
      }),
    );
  });

  it('tells a database that is away from a statement that is wrong', () => {
    expect(isDatabaseUnavailable(refused())).toBe(true);
    expect(isDatabaseUnavailable(lost())).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('syntax'), { code: 'ER_PARSE_ERROR', errno: 1064 }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('no such tariff'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('untilWritten on an injected clock', () => {
  it('waits out an outage: the write lands once the database is back, after the policy delays', async () => {
    const clock = new ManualClock();
    const downUntil = clock.now() + 3_000;
    const tries: number[] = [];
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const landed = untilWritten(
      async () => {
        tries.push(clock.now());
        if (clock.now() < downUntil) throw refused();
        return 'written';
      },
      { clock, random: () => 0, onRetry: (_error, attempt, delayMs) => void retries.push({ attempt, delayMs }) },
    );
    let result: string | undefined;
    void landed.then((value) => (result = value));
    await clock.advance(2_999);
    expect(result).toBeUndefined();
    await clock.advance(10_000);
    expect(result).toBe('written');
    // 250, 500, 1000, 2000 ms: the fifth try is the first after the outage.
    expect(retries.map((r) => r.delayMs)).toEqual([250, 500, 1_000, 2_000]);
    expect(tries.map((at) => at - tries[0]!)).toEqual([0, 250, 750, 1_750, 3_750]);
  });

  it('throws at once a failure that waiting would not fix', async () => {
    const clock = new ManualClock();
    let calls = 0;
    await expect(
      untilWritten(
        async () => {
          calls += 1;
          throw Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', errno: 1062 });
        },
        { clock },
      ),
    ).rejects.toThrow('Duplicate entry');
    expect(calls).toBe(1);
  });
});

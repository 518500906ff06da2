import { testLogger } from '../../lib/log/logger';
import { startHousekeeping, storeHousekeepingTasks, type Housekeeping } from '../../lib/service/housekeeping';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { capturingLogger } from '../security/support/capturing-logger';
import { eventually } from '../sms/support';
import { accountWithBalance, unique, uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';

const INTERVAL_MS = 60_000;
const WINDOWS = { loginWindowMs: 15 * 60_000, longestRateWindowMs: 10 * 60_000, expiredClaimRetentionMs: 10 * 60_000 };

describeEachDatabase('housekeeping on the clock', (getDb) => {
  let clock: ManualClock;
  let store: Store;
  let housekeeping: Housekeeping | undefined;

  beforeEach(() => {
    clock = new ManualClock();
    store = createStore(getDb(), () => clock.now());
  });
  afterEach(async () => {
    await housekeeping?.stop();
    housekeeping = undefined;
  });

  /** One round on the clock, finished: the next one is only scheduled once this one is done. */
  async function round(): Promise<void> {
    await clock.advance(INTERVAL_MS);
    await eventually(() => clock.pending > 0, 'the round to finish');
  }

  async function sessionOf(ttlMs: number): Promise<string> {
    const account = await accountWithBalance(store, 0);
    const user = await store.portalUsers.create({ accountId: account.id, email: `${unique('hk')}@example.com`, password: 'correct horse battery' });
    return (await store.portalUsers.createSession(user.id, ttlMs)).id;
  }

  async function sessionRows(): Promise<number> {
    const [row] = await getDb()('portal_sessions').where('expires_at', '>', 0).count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row?.n);
  }

  it('expired portal sessions are deleted on the clock without any login, and live ones are kept', async () => {
    await getDb()('portal_sessions').delete();
    const shortLived = await sessionOf(2 * INTERVAL_MS);
    const longLived = await sessionOf(60 * INTERVAL_MS);
    housekeeping = startHousekeeping({ clock, logger: testLogger(), tasks: storeHousekeepingTasks(store, WINDOWS), intervalMs: INTERVAL_MS });
    await round();
    expect(await sessionRows()).toBe(2);
    await round();
    expect(await sessionRows()).toBe(1);
    expect(await store.portalUsers.findSession(shortLived)).toBeNull();
    expect(await store.portalUsers.findSession(longLived)).not.toBeNull();
  });

  it('ended rate-limit windows and stale login counts are deleted on the clock too', async () => {
    const key = unique('window');
    await store.rateLimits.hit(key, { limit: 1, windowMs: WINDOWS.longestRateWindowMs });
    await store.portalUsers.checkLogin(`${unique('nobody')}@example.com`, 'wrong', { maxAttempts: 5, lockMs: WINDOWS.loginWindowMs });
    await clock.advance(WINDOWS.loginWindowMs);
    housekeeping = startHousekeeping({ clock, logger: testLogger(), tasks: storeHousekeepingTasks(store, WINDOWS), intervalMs: INTERVAL_MS });
    await round();
    expect(await getDb()('rate_limit_windows').where({ limit_key: key })).toEqual([]);
    expect(await getDb()('portal_login_attempts').where('updated_at', '<=', clock.now() - WINDOWS.loginWindowMs)).toEqual([]);
  });

  it('caller-ID claims expired longer than the retention are deleted, unless still locked; live and recent ones are kept', async () => {
    const account = await accountWithBalance(store, 0);
    const claim = async (ttlMs: number): Promise<number> => {
      const sent = await store.callerIdClaims.recordCode(
        { accountId: account.id, number: uniqueNumber(), allowAuthorization: false, codeHash: 'not-a-code', expiresAt: clock.now() + ttlMs },
        { minIntervalMs: 0, maxSends: 5 },
      );
      if (sent.kind !== 'sent') throw new Error(`no claim: ${sent.kind}`);
      return sent.claim.id;
    };
    const stale = await claim(60_000);
    const locked = await claim(60_000);
    const live = await claim(60 * 60_000);
    await getDb()('caller_id_claims').where({ id: locked }).update({ locked_until: clock.now() + 24 * 60 * 60_000 });
    housekeeping = startHousekeeping({ clock, logger: testLogger(), tasks: storeHousekeepingTasks(store, WINDOWS), intervalMs: INTERVAL_MS });
    const remaining = async (): Promise<number[]> => (await getDb()('caller_id_claims').whereIn('id', [stale, locked, live]).orderBy('id')).map((row: { id: number | string }) => Number(row.id));
    // Expired for less than the retention: still there, so the subscriber may ask for a new code.
    await round();
    expect(await remaining()).toEqual([stale, locked, live]);
    for (let i = 0; i < WINDOWS.expiredClaimRetentionMs / INTERVAL_MS; i += 1) await round();
    expect(await remaining()).toEqual([locked, live]);
  });

  it('a failing task is logged and the others still run, then and at every later round', async () => {
    const { logger, capture } = capturingLogger();
    let ran = 0;
    housekeeping = startHousekeeping({
      clock,
      logger,
      intervalMs: INTERVAL_MS,
      tasks: [
        { name: 'broken', run: () => Promise.reject(new Error('database went away')) },
        { name: 'counting', run: async () => ++ran },
      ],
    });
    await round();
    await round();
    expect(ran).toBe(2);
    expect(capture.lines.filter((line) => line.includes('housekeeping task failed') && line.includes('database went away'))).toHaveLength(2);
  });

  it('stop() cancels the next round and waits for the one in progress', async () => {
    let release: () => void = () => undefined;
    let finished = false;
    let started = 0;
    housekeeping = startHousekeeping({
      clock,
      logger: testLogger(),
      intervalMs: INTERVAL_MS,
      tasks: [{ name: 'slow', run: () => new Promise<number>((resolve) => { started += 1; release = () => { finished = true; resolve(0); }; }) }],
    });
    await clock.advance(INTERVAL_MS);
    expect(started).toBe(1);
    const stopping = housekeeping.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await clock.advance(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    await clock.advance(10 * INTERVAL_MS);
    expect(started).toBe(1);
    expect(clock.pending).toBe(0);
  });
});

describe('housekeeping started with runAtStart', () => {
  it('runs its tasks once at start, before the first interval, and then on the clock', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const tasks = [{ name: 'count', run: async () => (runs += 1) }];
    const housekeeping = startHousekeeping({ clock, logger: testLogger(), tasks, intervalMs: 1_000, runAtStart: true });
    try {
      await eventually(() => runs === 1 && clock.pending > 0, 'the start run');
      await clock.advance(1_000);
      await eventually(() => runs === 2, 'the next run');
    } finally {
      await housekeeping.stop();
    }
  });
});

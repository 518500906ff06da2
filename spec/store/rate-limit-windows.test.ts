import type { Knex } from 'knex';
import { createStore, type Store, type WindowHit } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { secondInstance } from '../security/support/second-instance';
import { unique } from './fixtures';
import { describeEachDatabase } from '../support/databases';

const POLICY = { limit: 5, windowMs: 60_000 };

describeEachDatabase('rate-limit windows in the database', (getDb) => {
  let clock: ManualClock;
  let one: Store;
  let two: Store;
  let otherDb: Knex;

  beforeAll(() => {
    otherDb = secondInstance(getDb());
  });
  afterAll(async () => {
    await otherDb.destroy();
  });
  beforeEach(() => {
    clock = new ManualClock();
    one = createStore(getDb(), () => clock.now());
    two = createStore(otherDb, () => clock.now());
  });

  it('allows exactly the limit per window and refuses the rest, the first refusal marked once, with the time until the window ends', async () => {
    const key = unique('key');
    const hits: WindowHit[] = [];
    for (let i = 0; i < POLICY.limit + 3; i += 1) {
      hits.push(await one.rateLimits.hit(key, POLICY));
      await clock.advance(1_000);
    }
    expect(hits.map((hit) => hit.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(hits.filter((hit) => !hit.allowed && hit.firstRefusal)).toHaveLength(1);
    expect(hits[POLICY.limit]).toEqual({ allowed: false, firstRefusal: true, retryAfterMs: POLICY.windowMs - POLICY.limit * 1_000 });
  });

  it('a parallel burst on two instances gets exactly the limit allowed and exactly one first refusal', async () => {
    const key = unique('burst');
    const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).rateLimits.hit(key, POLICY)));
    expect(hits.filter((hit) => hit.allowed)).toHaveLength(POLICY.limit);
    expect(hits.filter((hit) => !hit.allowed && hit.firstRefusal)).toHaveLength(1);
  });

  it('a new window opens once the old one is over, with a fresh count and a fresh first refusal', async () => {
    const key = unique('window');
    for (let i = 0; i <= POLICY.limit; i += 1) await one.rateLimits.hit(key, POLICY);
    await clock.advance(POLICY.windowMs);
    const again: WindowHit[] = [];
    for (let i = 0; i <= POLICY.limit; i += 1) again.push(await two.rateLimits.hit(key, POLICY));
    expect(again.map((hit) => hit.allowed)).toEqual([true, true, true, true, true, false]);
    expect(again[POLICY.limit]).toMatchObject({ allowed: false, firstRefusal: true });
  });

  it('keys count apart: one client over its limit does not limit another', async () => {
    const noisy = unique('noisy');
    for (let i = 0; i <= POLICY.limit; i += 1) await one.rateLimits.hit(noisy, POLICY);
    expect(await one.rateLimits.hit(unique('quiet'), POLICY)).toEqual({ allowed: true, hits: 1 });
  });

  it('housekeeping drops only windows that have ended', async () => {
    const old = unique('old');
    await one.rateLimits.hit(old, POLICY);
    await clock.advance(POLICY.windowMs);
    const current = unique('current');
    await one.rateLimits.hit(current, POLICY);
    await one.rateLimits.deleteEnded(POLICY.windowMs);
    const keys = (await getDb()('rate_limit_windows').whereIn('limit_key', [old, current]).select('limit_key')).map((row: { limit_key: string }) => row.limit_key);
    expect(keys).toEqual([current]);
  });
});

import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createStore, type Store } from '../../lib/store';
import type { LockoutPolicy, PinCheck } from '../../lib/store/pins';
import { ManualClock } from '../../lib/time/clock';
import { accountWithBalance } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { holdScryptOf } from './support/held-scrypt';
import { secondInstance } from './support/second-instance';

const POLICY: LockoutPolicy = { maxAttempts: 3, lockMs: 15 * 60_000 };
const RIGHT = '4321';

describeEachDatabase('PIN brute force across instances', (getDb) => {
  let clock: ManualClock;
  let otherDb: Knex;
  let one: Store;
  let two: Store;

  beforeAll(() => {
    clock = new ManualClock();
    otherDb = secondInstance(getDb());
    one = createStore(getDb(), () => clock.now());
    two = createStore(otherDb, () => clock.now());
  });
  afterAll(() => otherDb.destroy());
  afterEach(() => jest.restoreAllMocks());

  async function freshPin(): Promise<{ accountId: number }> {
    const account = await accountWithBalance(one, 0);
    await one.pins.set({ accountId: account.id }, RIGHT);
    return { accountId: account.id };
  }

  it('wrong PINs on instance 1 count on instance 2: the lockout reached across both refuses even the right PIN on either', async () => {
    const owner = await freshPin();
    expect(await one.pins.verify(owner, '0000', POLICY)).toMatchObject({ ok: false, reason: 'wrong', failedAttempts: 1 });
    expect(await two.pins.verify(owner, '1111', POLICY)).toMatchObject({ ok: false, reason: 'wrong', failedAttempts: 2 });
    expect(await one.pins.verify(owner, '2222', POLICY)).toMatchObject({ ok: false, reason: 'locked', failedAttempts: 3 });
    expect(await two.pins.verify(owner, RIGHT, POLICY)).toMatchObject({ ok: false, reason: 'locked' });
    expect(await one.pins.verify(owner, RIGHT, POLICY)).toMatchObject({ ok: false, reason: 'locked' });

    // Once the lock expires, one more wrong PIN on either instance locks it again at once.
    await clock.advance(POLICY.lockMs + 1);
    expect(await two.pins.verify(owner, '3333', POLICY)).toMatchObject({ ok: false, reason: 'locked' });
    await clock.advance(POLICY.lockMs + 1);
    expect(await one.pins.verify(owner, RIGHT, POLICY)).toEqual({ ok: true });
    expect((await two.pins.find(owner))?.failedAttempts).toBe(0);
  });

  it('a burst of parallel guesses on two instances compares no more PINs than the policy allows, and the counter never passes the limit', async () => {
    const owner = await freshPin();
    const scrypt = jest.spyOn(crypto, 'scrypt');
    const guesses = Array.from({ length: 24 }, (_, i) => String(1000 + i));
    const results: PinCheck[] = await Promise.all(guesses.map((guess, i) => (i % 2 === 0 ? one : two).pins.verify(owner, guess, POLICY)));
    // Each comparison is one scrypt; the wrong ones before the lock are all that may run.
    expect(scrypt.mock.calls.length).toBeLessThanOrEqual(POLICY.maxAttempts);
    expect(results.filter((result) => !result.ok && result.reason === 'wrong').length).toBeLessThanOrEqual(POLICY.maxAttempts - 1);
    const pin = await one.pins.find(owner);
    expect(pin?.failedAttempts).toBeLessThanOrEqual(POLICY.maxAttempts);
    expect(pin?.lockedUntil).not.toBeNull();
    expect(await two.pins.verify(owner, RIGHT, POLICY)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('the right PIN hidden in a parallel burst after the limit is not accepted', async () => {
    const owner = await freshPin();
    // Two wrong already: one attempt left before the lock.
    await one.pins.verify(owner, '0000', POLICY);
    await two.pins.verify(owner, '0001', POLICY);
    const scrypt = jest.spyOn(crypto, 'scrypt');
    const burst = [...Array.from({ length: 11 }, (_, i) => String(2000 + i)), RIGHT];
    const results = await Promise.all(burst.map((guess, i) => (i % 2 === 0 ? two : one).pins.verify(owner, guess, POLICY)));
    expect(scrypt.mock.calls.length).toBe(1);
    const accepted = results.filter((result) => result.ok).length;
    // Only the one guess that won the last attempt was compared: the PIN is open only if it was that guess.
    expect(accepted).toBeLessThanOrEqual(1);
    if (accepted === 0) expect(await one.pins.verify(owner, RIGHT, POLICY)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('the right PIN compared while parallel guesses lock the PIN opens that call only: the lock they set stands', async () => {
    const owner = await freshPin();
    const held = holdScryptOf(RIGHT);
    const rightOne = one.pins.verify(owner, RIGHT, POLICY);
    await held.reached;
    expect(await two.pins.verify(owner, '0000', POLICY)).toMatchObject({ ok: false, reason: 'wrong', failedAttempts: 2 });
    expect(await one.pins.verify(owner, '0001', POLICY)).toMatchObject({ ok: false, reason: 'locked', failedAttempts: 3 });
    held.release();
    expect(await rightOne).toEqual({ ok: true });
    expect(await two.pins.verify(owner, RIGHT, POLICY)).toMatchObject({ ok: false, reason: 'locked' });
  });
});

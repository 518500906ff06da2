import crypto from 'node:crypto';
import type { Express } from 'express';
import type { Knex } from 'knex';
import request from 'supertest';
import { createStore } from '../../lib/store';
import { csrfOf, PASSWORD, portalFixture, type PortalFixture } from '../portal/support/portal-fixture';
import { describeEachDatabase } from '../support/databases';
import { holdScryptOf } from './support/held-scrypt';
import { secondInstance } from './support/second-instance';

const LIMIT = { perIp: 1_000, perEmail: 4, windowMs: 10 * 60_000 };

async function attempt(app: Express, email: string, password: string): Promise<number> {
  const agent = request.agent(app);
  const token = csrfOf((await agent.get('/')).text);
  return (await agent.post('/login').type('form').send({ _csrf: token, email, password })).status;
}

describeEachDatabase('portal login brute force across instances', (getDb) => {
  let one: PortalFixture;
  let two: PortalFixture;
  let otherDb: Knex;
  let appOne: Express;
  let appTwo: Express;

  beforeAll(async () => {
    otherDb = secondInstance(getDb());
    one = await portalFixture(getDb());
    two = await portalFixture(otherDb);
    appOne = one.app({ loginLimit: LIMIT });
    appTwo = two.app({ loginLimit: LIMIT });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
    await otherDb.destroy();
  });
  afterEach(() => jest.restoreAllMocks());

  it('wrong passwords on instance 1 count on instance 2: after the limit even the right password is refused with 429 on both', async () => {
    const { email } = await one.subscriber();
    const statuses = [];
    for (let i = 0; i < LIMIT.perEmail; i += 1) statuses.push(await attempt(i % 2 === 0 ? appOne : appTwo, email, `wrong-password-${i}`));
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(await attempt(appTwo, email, PASSWORD)).toBe(429);
    expect(await attempt(appOne, email, PASSWORD)).toBe(429);
    // The lock ends after its time on both instances' clocks, and the right password then works.
    await one.clock.advance(LIMIT.windowMs + 1);
    await two.clock.advance(LIMIT.windowMs + 1);
    expect(await attempt(appTwo, email, PASSWORD)).toBe(303);
  });

  it('an email without a login locks the same way, so a lockout does not tell which emails exist', async () => {
    const statuses = [];
    for (let i = 0; i <= LIMIT.perEmail; i += 1) statuses.push(await attempt(i % 2 === 0 ? appOne : appTwo, 'nobody-here@example.com', `guess-${i}`));
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('wrong passwords spread wider apart than the window never add up to a lock, and stale counts are swept', async () => {
    const { email } = await one.subscriber();
    for (let i = 0; i < LIMIT.perEmail * 2; i += 1) {
      expect(await attempt(i % 2 === 0 ? appOne : appTwo, email, `typo-${i}`)).toBe(401);
      await one.clock.advance(LIMIT.windowMs);
      await two.clock.advance(LIMIT.windowMs);
    }
    expect(await attempt(appOne, email, PASSWORD)).toBe(303);
    await attempt(appOne, 'stranger@example.com', 'guess-1');
    // The instances' clocks agree, as real ones do closely enough against a window of minutes.
    await one.clock.advance(LIMIT.windowMs);
    await two.clock.advance(LIMIT.windowMs);
    expect(await one.store.portalUsers.deleteStaleLoginAttempts(LIMIT.windowMs)).toBeGreaterThanOrEqual(1);
  });

  it('a burst of parallel guesses on two instances compares no more passwords than the limit allows', async () => {
    const { email } = await one.subscriber();
    const stores = [createStore(getDb(), () => one.clock.now()), createStore(otherDb, () => two.clock.now())];
    const scrypt = jest.spyOn(crypto, 'scrypt');
    const policy = { maxAttempts: LIMIT.perEmail, lockMs: LIMIT.windowMs };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.portalUsers.checkLogin(email, `guess-${i}`, policy)));
    expect(scrypt.mock.calls.length).toBeLessThanOrEqual(LIMIT.perEmail);
    expect(results.filter((result) => !result.ok && result.reason === 'locked').length).toBeGreaterThanOrEqual(20 - LIMIT.perEmail);
    expect(await stores[1]!.portalUsers.checkLogin(email, PASSWORD, policy)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it("the owner's right login racing a burst of guesses does not clear the lock the burst set: the burst gets no fresh count", async () => {
    // CI, 2026-12-07: with the right password compared while the guesses locked the email, its
    // success deleted the lock and the still-racing guesses compared 4 more (8 of a limit of 4).
    const { email } = await one.subscriber();
    const stores = [createStore(getDb(), () => one.clock.now()), createStore(otherDb, () => two.clock.now())];
    const policy = { maxAttempts: LIMIT.perEmail, lockMs: LIMIT.windowMs };
    const owner = holdScryptOf(PASSWORD);
    const login = stores[0]!.portalUsers.checkLogin(email, PASSWORD, policy);
    await owner.reached;
    const guesses = [];
    for (let i = 1; i < LIMIT.perEmail; i += 1) guesses.push(await stores[i % 2]!.portalUsers.checkLogin(email, `guess-${i}`, policy));
    expect(guesses.map((result) => (result.ok ? 'ok' : result.reason))).toEqual(['wrong', 'wrong', 'wrong']);
    owner.release();
    expect(await login).toMatchObject({ ok: true });
    expect(await stores[1]!.portalUsers.checkLogin(email, 'guess-after', policy)).toMatchObject({ ok: false, reason: 'locked' });
  });
});

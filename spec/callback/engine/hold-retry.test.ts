import { randomUUID } from 'node:crypto';
import { engineContext, type EngineContext } from '../../../lib/callback/engine/context';
import { defaultRouting } from '../../../lib/callback/engine/leg-routing';
import { readEachAccountOnce } from '../../../lib/callback/engine/account-reads';
import { byOwner, Funds, isRefusal, keyHolds, type LegPricing, type PricedLeg } from '../../../lib/callback/engine/funds';
import { defaultSettings } from '../../../lib/config';
import { minorUnits } from '../../../lib/domain/money';
import { testLogger } from '../../../lib/log/logger';
import { createStore, type CallbackRequest, type Rate, type Store } from '../../../lib/store';
import { ManualClock } from '../../../lib/time/clock';
import { describeEachDatabase } from '../../support/databases';
import { accountWithBalance, cardWithBalance, uniqueNumber } from '../../store/fixtures';

/** 1 minor unit per second (600000 micro-units a minute), per-second increments. */
const RATE: Rate = {
  id: 1,
  tariffId: 1,
  prefix: '49',
  description: 'test',
  ratePerMinute: 600_000,
  connectionFeeMinor: minorUnits(0),
  incrementFirstSeconds: 1,
  incrementNextSeconds: 1,
  minimumSeconds: 0,
};

const leg = (pricing: LegPricing, extra: Partial<PricedLeg> = {}): PricedLeg => ({ uuid: randomUUID(), pricing, ...extra });

describe('keyHolds (pure)', () => {
  it('gives every hold of one write its own key, and makes none for a leg that costs nothing or whose payer holds nothing', () => {
    let n = 0;
    const account = leg({ rate: RATE, payer: { kind: 'account', accountId: 1 } });
    const card = leg({ rate: RATE, payer: { kind: 'card', cardId: 2, accountId: null } });
    const operator = leg({ rate: RATE, payer: { kind: 'operator', accountId: 3 } });
    const keyed = keyHolds(
      [
        { leg: account, amount: minorUnits(10) },
        { leg: card, amount: minorUnits(5), since: 42 },
        { leg: operator, amount: minorUnits(7) },
        { leg: account, amount: minorUnits(0) },
      ],
      () => `key-${(n += 1)}`,
    );
    expect(keyed.map(({ owner, holdKey, amount, since }) => ({ owner, holdKey, amount, since }))).toEqual([
      { owner: { accountId: 1 }, holdKey: 'key-1', amount: 10, since: undefined },
      { owner: { cardId: 2 }, holdKey: 'key-2', amount: 5, since: 42 },
    ]);
  });
});

describe('byOwner (pure)', () => {
  it('groups the holds of one write by whose money they take, in the order wanted and the owners in the order first met', () => {
    const hold = (owner: { accountId: number } | { cardId: number }, holdKey: string) => ({ leg: leg({ rate: RATE, payer: { kind: 'account', accountId: 1 } }), amount: minorUnits(1), owner, holdKey });
    const [a1, c1, a1b, c2, a2] = [hold({ accountId: 1 }, 'a1'), hold({ cardId: 1 }, 'c1'), hold({ accountId: 1 }, 'a1b'), hold({ cardId: 2 }, 'c2'), hold({ accountId: 2 }, 'a2')];
    expect(byOwner([a1, c1, a1b, c2, a2]).map((group) => group.map(({ holdKey }) => holdKey))).toEqual([['a1', 'a1b'], ['c1'], ['c2'], ['a2']]);
    expect(byOwner([])).toEqual([]);
  });
});

describeEachDatabase('holds at call setup, written again after a lost answer', (getDb) => {
  let store: Store;
  let ctx: EngineContext;
  /** Every hold write runs twice: the first one commits and its answer is lost, as when the database goes away around a COMMIT. */
  const lostAnswers: string[] = [];

  beforeAll(async () => {
    store = createStore(getDb());
    const operator = await accountWithBalance(store, 0);
    const base = engineContext({
      db: getDb(),
      logger: testLogger(),
      clock: new ManualClock(),
      settings: defaultSettings().callback,
      telephony: { socketAddress: { host: '127.0.0.1', port: 1 }, nodes: [], pickNode: () => 'none', originate: () => Promise.reject(new Error('no telephony')), api: () => Promise.reject(new Error('no telephony')), onEvent: () => () => undefined },
      routing: defaultRouting(),
      scheduler: { schedule: () => Promise.resolve(), cancel: () => Promise.resolve(false) },
      operatorCallbackAccountId: operator.id,
      instanceId: 'hold-retry',
      setupAllowanceSeconds: 60,
    });
    ctx = {
      ...base,
      untilWritten: async (what, work) => {
        if (!what.startsWith('holds for')) return work();
        await work();
        lostAnswers.push(what);
        return work();
      },
    };
  });

  async function requestFor(accountId: number): Promise<CallbackRequest> {
    return (await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber() })).request;
  }

  it('never two holds for one leg: A at admission, then A and B before B is dialed, each held once though every hold write ran twice', async () => {
    const account = await accountWithBalance(store, 10_000);
    const request = await requestFor(account.id);
    const funds = new Funds(ctx);
    const pricing: LegPricing = { rate: RATE, payer: { kind: 'account', accountId: account.id } };
    const a = leg(pricing);
    lostAnswers.length = 0;

    const setup = await funds.holdForDial(request, a, undefined);
    if (isRefusal(setup)) throw new Error(setup.refused);
    expect(setup).toEqual([expect.objectContaining({ legUuid: a.uuid, amount: 60 })]);
    expect(await store.reservations.listHeld({ requestId: request.id })).toHaveLength(1);

    const b = leg(pricing);
    const talk = await funds.holdForTalk(request, { ...a, answeredAt: ctx.clock.now(), hold: setup[0] }, b);
    if (isRefusal(talk)) throw new Error(talk.refused);
    const held = await store.reservations.listHeld({ requestId: request.id });
    expect(held.map((hold) => hold.legUuid).sort()).toEqual([a.uuid, b.uuid].sort());
    expect(held.map((hold) => hold.id).sort()).toEqual(talk.map((hold) => hold.reservationId).sort());
    // A's setup hold was released once (the second run found it released already and changed nothing).
    expect(await store.reservations.findById(setup[0]!.reservationId)).toMatchObject({ state: 'released' });

    const sum = held.reduce((total, hold) => total + hold.amountMinor, 0);
    expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 10_000, reservedMinor: sum });
    expect(lostAnswers).toHaveLength(2);
  });

  describe("at admission, the funds are estimated from the admission's account row", () => {
    async function simultaneousFor(accountId: number): Promise<CallbackRequest> {
      return (await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber(), destination: uniqueNumber(), mode: 'simultaneous' })).request;
    }

    it('reads no balance of its own', async () => {
      const account = await accountWithBalance(store, 10_000);
      const request = await simultaneousFor(account.id);
      const pricing: LegPricing = { rate: RATE, payer: { kind: 'account', accountId: account.id } };
      const statements: string[] = [];
      const listener = (query: { sql: string }): void => void statements.push(query.sql);
      getDb().on('query', listener);
      try {
        const holds = await new Funds(ctx).holdForDial(request, leg(pricing), leg(pricing), readEachAccountOnce(store, account));
        if (isRefusal(holds)) throw new Error(holds.refused);
      } finally {
        getDb().off('query', listener);
      }
      // The hold's own lock of the row (this context writes every hold twice) is not a read of the balance.
      expect(statements.filter((sql) => sql.startsWith('select * from `accounts`'))).toEqual([]);
    });

    it("holds A and B of one payer with one UPDATE of the payer's row, each held once though the write ran twice", async () => {
      const account = await accountWithBalance(store, 10_000);
      const request = await simultaneousFor(account.id);
      const pricing: LegPricing = { rate: RATE, payer: { kind: 'account', accountId: account.id } };
      const [a, b] = [leg(pricing), leg(pricing)];
      const statements: string[] = [];
      const listener = (query: { sql: string }): void => void statements.push(query.sql);
      getDb().on('query', listener);
      lostAnswers.length = 0;
      let holds: Awaited<ReturnType<Funds['holdForDial']>>;
      try {
        holds = await new Funds(ctx).holdForDial(request, a, b, readEachAccountOnce(store, account));
      } finally {
        getDb().off('query', listener);
      }
      if (isRefusal(holds)) throw new Error(holds.refused);
      expect(holds.map((hold) => hold.legUuid)).toEqual([a.uuid, b.uuid]);
      // One per write: the first try's, then none on the second, which finds both holds by their keys.
      expect(lostAnswers).toHaveLength(1);
      expect(statements.filter((sql) => sql.startsWith('update `accounts` set `reserved_minor` = reserved_minor +'))).toHaveLength(1);
      const held = await store.reservations.listHeld({ requestId: request.id });
      expect(held.map((hold) => hold.id)).toEqual(holds.map((hold) => hold.reservationId));
      expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: holds.reduce((sum, hold) => sum + hold.amount, 0) });
    });

    it('a hold refused on that estimate (the balance went meanwhile) is sized again on the balance as it is now, never beyond it', async () => {
      const rich = await accountWithBalance(store, 10_000);
      const account = await accountWithBalance(store, 100);
      const request = await simultaneousFor(account.id);
      const pricing: LegPricing = { rate: RATE, payer: { kind: 'account', accountId: account.id } };
      // The row as read at admission, before another call held most of the balance.
      const stale = { ...rich, id: account.id };
      const holds = await new Funds(ctx).holdForDial(request, leg(pricing), leg(pricing), readEachAccountOnce(store, stale));
      if (isRefusal(holds)) throw new Error(holds.refused);
      const held = holds.reduce((sum, hold) => sum + hold.amount, 0);
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThanOrEqual(100);
      expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 100, reservedMinor: held });
    });
  });

  it('never two holds for a feature leg (role C) whose hold write ran twice', async () => {
    const account = await accountWithBalance(store, 500);
    const request = await requestFor(account.id);
    const c = leg({ rate: RATE, payer: { kind: 'account', accountId: account.id } });
    const feature = await new Funds(ctx).holdForFeatureLeg(request, c);
    if (isRefusal(feature)) throw new Error(feature.refused);
    expect(feature).toMatchObject({ limitSeconds: 500, hold: { legUuid: c.uuid, amount: 500 } });
    expect(await store.reservations.listHeld({ requestId: request.id })).toEqual([expect.objectContaining({ legUuid: c.uuid, amountMinor: 500 })]);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 500 });
  });

  it('a feature leg whose talk ended while its hold waited for the database is not held: the hold made meanwhile is released, the leg refused (call_ended)', async () => {
    const account = await accountWithBalance(store, 500);
    const request = await requestFor(account.id);
    const talk = new AbortController();
    // The hold lands only after the talk ended (A hung up during the outage).
    const late: EngineContext = {
      ...ctx,
      untilWritten: async (what, work) => {
        const result = await work();
        if (what.startsWith('holds for')) talk.abort();
        return result;
      },
    };
    const c = leg({ rate: RATE, payer: { kind: 'account', accountId: account.id } });
    expect(await new Funds(late).holdForFeatureLeg(request, c, talk.signal)).toEqual({ refused: 'call_ended' });
    expect(await store.reservations.listHeld({ requestId: request.id })).toEqual([]);
    expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 500, reservedMinor: 0 });
    // A talk already over asks for nothing.
    expect(await new Funds(ctx).holdForFeatureLeg(request, c, talk.signal)).toEqual({ refused: 'call_ended' });
  });

  it('a card’s holds for leg B and its own leg A (#18 item 4), written twice over, hold the card once', async () => {
    const account = await accountWithBalance(store, 0);
    const card = await cardWithBalance(store, 900);
    const request = await requestFor(account.id);
    const funds = new Funds(ctx);
    const a = leg({ rate: RATE, payer: { kind: 'operator', accountId: account.id } });
    const b = leg({ rate: RATE, payer: { kind: 'card', cardId: card.id, accountId: null } });
    const talk = await funds.holdForTalk(request, { ...a, answeredAt: ctx.clock.now() }, b);
    if (isRefusal(talk)) throw new Error(talk.refused);
    expect(talk.map((hold) => [hold.legUuid, 'cardId' in hold ? hold.cardId : null])).toEqual([
      [a.uuid, card.id],
      [b.uuid, card.id],
    ]);
    expect(await store.reservations.listHeld({ cardId: card.id })).toHaveLength(2);
    expect((await store.cards.findById(card.id))?.reservedMinor).toBe(talk[0]!.amount + talk[1]!.amount);
  });
});

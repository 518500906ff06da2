import { randomUUID } from 'node:crypto';
import { untilWritten } from '../../lib/callback/engine/until-written';
import { minorUnits } from '../../lib/domain/money';
import { createStore, HoldKeyRace, inTransaction, isSameHold, StoreConflict, type Store } from '../../lib/store';
import { systemClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance, cardWithBalance, uniqueNumber } from './fixtures';

/** What mysql2 throws when the connection dies around a COMMIT: the client cannot tell whether it landed. */
const answerLost = (): Error => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

describe('isSameHold (pure)', () => {
  const found = { accountId: 7, cardId: null, requestId: 'r', legUuid: 'l', amountMinor: minorUnits(120) };
  const refs = { requestId: 'r', legUuid: 'l' };

  it('takes a hold under the key for ours only if it holds the same money of the same owner for the same request and leg', () => {
    expect(isSameHold(found, { accountId: 7 }, 120, refs)).toBe(true);
    expect(isSameHold(found, { accountId: 8 }, 120, refs)).toBe(false);
    expect(isSameHold(found, { cardId: 7 }, 120, refs)).toBe(false);
    expect(isSameHold(found, { accountId: 7 }, 121, refs)).toBe(false);
    expect(isSameHold(found, { accountId: 7 }, 120, { ...refs, legUuid: 'other' })).toBe(false);
    expect(isSameHold(found, { accountId: 7 }, 120, { ...refs, requestId: null })).toBe(false);
    expect(isSameHold({ ...found, accountId: null, cardId: 7 }, { cardId: 7 }, 120, refs)).toBe(true);
  });
});

describeEachDatabase('keyed holds: a hold write tried again never holds twice', (getDb, engine) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  async function requestOf(accountId: number): Promise<string> {
    return (await store.callbackRequests.create({ accountId, trigger: 'api', source: uniqueNumber() })).request.id;
  }

  it('a hold write whose answer was lost is recognised on retry: one reservation for the leg, its money held once', async () => {
    const account = await accountWithBalance(store, 1_000);
    const requestId = await requestOf(account.id);
    const legUuid = randomUUID();
    const holdKey = randomUUID();
    let tries = 0;
    // The first try commits, then its answer is lost with the connection; untilWritten tries again.
    const hold = await untilWritten(
      async () => {
        tries += 1;
        const written = await inTransaction(getDb(), (tx) => tx.reservations.reserveFor({ accountId: account.id }, minorUnits(300), { requestId, legUuid, holdKey }));
        if (tries === 1) throw answerLost();
        return written;
      },
      { clock: systemClock, policy: { initialMs: 1, maxMs: 1, factor: 1, jitter: 0 } },
    );
    expect(tries).toBe(2);
    expect(hold).toMatchObject({ accountId: account.id, amountMinor: 300, state: 'held', holdKey, legUuid });
    expect(await store.reservations.listHeld({ accountId: account.id })).toEqual([hold]);
    expect(await store.accounts.balance(account.id)).toMatchObject({ balanceMinor: 1_000, reservedMinor: 300 });
    expect(await store.reservations.findByHoldKey(holdKey)).toEqual(hold);
  });

  it('returns the hold already under the key as it is, also for a card (its balance held once)', async () => {
    const card = await cardWithBalance(store, 500);
    const holdKey = randomUUID();
    const first = await store.reservations.reserveFor({ cardId: card.id }, minorUnits(200), { holdKey });
    const again = await store.reservations.reserveFor({ cardId: card.id }, minorUnits(200), { holdKey });
    expect(again).toEqual(first);
    expect((await store.cards.findById(card.id))?.reservedMinor).toBe(200);
    expect(await store.reservations.listHeld({ cardId: card.id })).toHaveLength(1);
  });

  it('two tries of one keyed hold at once hold the money once', async () => {
    const account = await accountWithBalance(store, 1_000);
    const holdKey = randomUUID();
    const tries = await Promise.all([1, 2, 3].map(() => store.reservations.reserveFor({ accountId: account.id }, minorUnits(100), { holdKey })));
    expect(new Set(tries.map((hold) => hold?.id)).size).toBe(1);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 100 });
  });

  it('refuses a key reused for another hold instead of taking it for written', async () => {
    const account = await accountWithBalance(store, 1_000);
    const holdKey = randomUUID();
    await store.reservations.reserveFor({ accountId: account.id }, minorUnits(100), { holdKey });
    await expect(store.reservations.reserveFor({ accountId: account.id }, minorUnits(101), { holdKey })).rejects.toThrow(StoreConflict);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 100 });
  });

  it('holds written without a key are independent holds, as before (any number of them)', async () => {
    const account = await accountWithBalance(store, 1_000);
    await store.reservations.reserveFor({ accountId: account.id }, minorUnits(10));
    await store.reservations.reserveFor({ accountId: account.id }, minorUnits(10));
    expect((await store.reservations.listHeld({ accountId: account.id })).map((hold) => hold.holdKey)).toEqual([null, null]);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 20 });
  });

  it('several holds of one owner are one write: held for their sum, all or none, and a retry finds all of them', async () => {
    const account = await accountWithBalance(store, 1_000);
    const requestId = await requestOf(account.id);
    const holds = [
      { amount: minorUnits(300), requestId, legUuid: randomUUID(), holdKey: randomUUID(), firstTry: true },
      { amount: minorUnits(400), requestId, legUuid: randomUUID(), holdKey: randomUUID(), firstTry: true },
    ];
    const written = await inTransaction(getDb(), (tx) => tx.reservations.reserveEachFor({ accountId: account.id }, holds));
    expect(written?.map(({ amountMinor, legUuid, holdKey }) => ({ amountMinor, legUuid, holdKey }))).toEqual(holds.map(({ amount, legUuid, holdKey }) => ({ amountMinor: amount, legUuid, holdKey })));
    const again = await inTransaction(getDb(), (tx) => tx.reservations.reserveEachFor({ accountId: account.id }, holds.map((hold) => ({ ...hold, firstTry: false }))));
    expect(again).toEqual(written);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 700 });
    // The sum is what must be there: 300 of 300 left pays the first, not both.
    const more = [
      { amount: minorUnits(200), requestId, legUuid: randomUUID() },
      { amount: minorUnits(101), requestId, legUuid: randomUUID() },
    ];
    expect(await store.reservations.reserveEachFor({ accountId: account.id }, more)).toBeNull();
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 700 });
    expect(await store.reservations.listHeld({ accountId: account.id })).toHaveLength(2);
  });

  it('refuses a retry that finds only some of its holds: one write makes all of them or none', async () => {
    const account = await accountWithBalance(store, 1_000);
    const first = { amount: minorUnits(100), holdKey: randomUUID() };
    await store.reservations.reserveFor({ accountId: account.id }, first.amount, { holdKey: first.holdKey });
    await expect(store.reservations.reserveEachFor({ accountId: account.id }, [first, { amount: minorUnits(50), holdKey: randomUUID() }])).rejects.toThrow(/written in part/);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 100 });
  });

  // SQLite runs one writer at a time, so two tries cannot overlap there.
  (engine === 'mariadb' ? it : it.skip)('two tries overlapping on the server: the unique key refuses the later one (HoldKeyRace), and its unit run again finds the first hold', async () => {
    const account = await accountWithBalance(store, 1_000);
    const holdKey = randomUUID();
    const reserve = (tx: Store) => tx.reservations.reserveFor({ accountId: account.id }, minorUnits(250), { holdKey });
    await expect(
      inTransaction(getDb(), async (tx) => {
        // This transaction's snapshot is taken here, before the other try commits the hold.
        await tx.reservations.findById(0);
        await reserve(store);
        return reserve(tx);
      }),
    ).rejects.toThrow(HoldKeyRace);
    const again = await inTransaction(getDb(), reserve);
    expect(again).toEqual(await store.reservations.findByHoldKey(holdKey));
    expect(await store.reservations.listHeld({ accountId: account.id })).toHaveLength(1);
    expect(await store.accounts.balance(account.id)).toMatchObject({ reservedMinor: 250 });
  });
});

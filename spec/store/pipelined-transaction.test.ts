import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { minorUnits } from '../../lib/domain/money';
import { asLastStatement, createStore, HoldKeyRace, inTransaction, type Account, type Reservation, type Store } from '../../lib/store';
import { preparedRows, preparedUpdate } from '../../lib/store/prepared-statement';
import { describeEachDatabase } from '../support/databases';
import { accountWithBalance } from './fixtures';

const T0 = Date.UTC(2026, 11, 7, 12);
const MISSING_ACCOUNT = 2_000_000_000;

/** Each statement knex reports sending, with whether it rode in the packet of another. */
function recordSent(db: Knex): { readonly sent: { sql: string; shared: boolean }[]; stop(): void } {
  const sent: { sql: string; shared: boolean }[] = [];
  const listener = (query: { sql: string; sharesRoundTrip?: unknown }): void => void sent.push({ sql: query.sql, shared: query.sharesRoundTrip === true });
  db.on('query', listener);
  return { sent, stop: () => void db.off('query', listener) };
}

const verbs = (sent: readonly { sql: string }[]): string[] => sent.map(({ sql }) => sql.split(' ')[0]!.toLowerCase());

/** A built write that expects to change one row of `accounts`, by id. */
function bump(db: Knex, id: number, by: number): Promise<number> {
  return preparedUpdate(db, 'test.pipelined.bump', { where: { id }, add: { by } }, (knex, values) => knex('accounts').where(values.where).update({ balance_minor: knex.raw('balance_minor + ?', [values.add.by]) }), 1);
}

async function balanceOf(db: Knex, id: number): Promise<number | undefined> {
  const [row] = await preparedRows<{ balance_minor: number | string }, { where: { id: number } }>(db, 'test.pipelined.balance', { where: { id } }, (knex, values) => knex('accounts').where(values.where).select('balance_minor'));
  return row === undefined ? undefined : Number(row.balance_minor);
}

function cdrOf(legUuid: string): Parameters<Store['cdrs']['insert']>[0] {
  return { legUuid, direction: 'outbound', number: '+12025550100', startedAt: T0, source: 'socket' };
}

/** What a unit may do (issue #20: the common case and each case that differs from it). */
const OPERATIONS = ['hold', 'hold_two', 'hold_two_second_taken', 'hold_refused', 'hold_key_again', 'hold_retried', 'settle_held', 'settle_closed', 'cdr_new', 'cdr_again', 'bump', 'bump_missing', 'read', 'fail'] as const;
type Operation = (typeof OPERATIONS)[number];

/** The rows one run of a script works on; two alike, one for each way of running it. */
interface World {
  readonly account: Account;
  readonly held: Reservation;
  readonly settled: Reservation;
  readonly cdrLeg: string;
  /** A fresh key and leg for each step of the script, the same on every run of the work. */
  readonly fresh: readonly string[];
  /** A second fresh key for each step, for a write of two holds. */
  readonly freshSecond: readonly string[];
}

describeEachDatabase('a pipelined store transaction', (getDb, engine) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  async function world(steps: number): Promise<World> {
    const account = await accountWithBalance(store, 1_000);
    const owner = { accountId: account.id };
    const held = (await store.reservations.reserveFor(owner, minorUnits(100), { holdKey: randomUUID(), firstTry: true }))!;
    const settled = (await store.reservations.reserveFor(owner, minorUnits(100), { holdKey: randomUUID(), firstTry: true }))!;
    await store.reservations.settle(settled.id, minorUnits(10), { amountMinor: settled.amountMinor, owner });
    const cdrLeg = randomUUID();
    await store.cdrs.insert(cdrOf(cdrLeg));
    const fresh = (): string[] => Array.from({ length: steps }, () => randomUUID());
    return { account, held, settled, cdrLeg, fresh: fresh(), freshSecond: fresh() };
  }

  /** One step: what it answered, as alike in two worlds (no ids). */
  async function step(tx: Store, w: World, operation: Operation, index: number): Promise<unknown> {
    const owner = { accountId: w.account.id };
    const hold = (amount: number, holdKey: string, firstTry: boolean): Promise<unknown> =>
      tx.reservations.reserveEachFor(owner, [{ amount: minorUnits(amount), holdKey, firstTry }]).then((holds) => holds?.map(({ amountMinor, state }) => ({ amountMinor, state })) ?? null);
    // Two holds in one write (simultaneous mode's A and B): on MariaDB the first INSERT goes in the second's packet.
    const holdTwo = (secondKey: string): Promise<unknown> =>
      tx.reservations
        .reserveEachFor(owner, [
          { amount: minorUnits(20), holdKey: w.fresh[index]!, firstTry: true },
          { amount: minorUnits(30), holdKey: secondKey, firstTry: true },
        ])
        .then((holds) => holds?.map(({ amountMinor, state }) => ({ amountMinor, state })) ?? null);
    switch (operation) {
      case 'hold':
        return hold(50, w.fresh[index]!, true);
      case 'hold_two':
        return holdTwo(w.freshSecond[index]!);
      case 'hold_two_second_taken':
        return holdTwo(w.held.holdKey!);
      case 'hold_refused':
        return hold(1_000_000, w.fresh[index]!, true);
      case 'hold_key_again':
        return hold(100, w.held.holdKey!, true);
      case 'hold_retried':
        return hold(100, w.held.holdKey!, false);
      case 'settle_held':
        return tx.reservations.settle(w.held.id, minorUnits(30), { amountMinor: w.held.amountMinor, owner });
      case 'settle_closed':
        return tx.reservations.settle(w.settled.id, minorUnits(30), { amountMinor: w.settled.amountMinor, owner });
      case 'cdr_new':
        return tx.cdrs.insert(cdrOf(w.fresh[index]!));
      case 'cdr_again':
        return tx.cdrs.insert(cdrOf(w.cdrLeg));
      case 'bump':
        return bump(tx.db, w.account.id, 1);
      case 'bump_missing':
        return bump(tx.db, MISSING_ACCOUNT, 1);
      case 'read':
        return balanceOf(tx.db, w.account.id);
      case 'fail':
        throw new Error('the work failed');
    }
  }

  /** A script as a unit's work: each step in turn; a step not in its common case is followed by a write of its own, as a settlement gives back what it took. */
  function work(w: World, script: readonly Operation[]): (tx: Store) => Promise<unknown[]> {
    return async (tx) => {
      const answers: unknown[] = [];
      for (const [index, operation] of script.entries()) {
        const answer = await step(tx, w, operation, index);
        answers.push(answer);
        if (answer === false || answer === 0 || answer === null) answers.push(await bump(tx.db, w.account.id, -1));
      }
      return answers;
    };
  }

  async function outcome(run: () => Promise<unknown[]>): Promise<{ answers?: unknown[]; error?: string }> {
    try {
      return { answers: await run() };
    } catch (error) {
      return { error: error instanceof HoldKeyRace ? 'HoldKeyRace' : error instanceof Error ? error.message.replace(/^.* - /, '') : String(error) };
    }
  }

  async function rowsOf(w: World): Promise<unknown> {
    const account = await store.accounts.findById(w.account.id);
    const holds = await getDb()('reservations').where({ account_id: w.account.id }).orderBy('id').select('amount_minor', 'settled_minor', 'state');
    const cdrs = await getDb()('cdrs').whereIn('leg_uuid', [w.cdrLeg, ...w.fresh]).count({ n: '*' });
    return { balance: account?.balanceMinor, reserved: account?.reservedMinor, holds: holds.map((row: Record<string, unknown>) => ({ ...row, amount_minor: Number(row.amount_minor), settled_minor: row.settled_minor === null ? null : Number(row.settled_minor) })), cdrs: Number(cdrs[0]!.n) };
  }

  it('sends the expected writes in one packet with the BEGIN and the COMMIT on MariaDB, and answers each as expected', async () => {
    const db = getDb();
    const w = await world(3);
    const recorded = recordSent(db);
    let answers: unknown[];
    try {
      answers = await inTransaction(db, work(w, ['settle_held', 'cdr_new', 'bump']), () => T0, { pipelined: true });
    } finally {
      recorded.stop();
    }
    expect(answers).toEqual([true, true, 1]);
    const statements = ['begin;', 'update', 'update', 'insert', 'update', 'commit;'];
    expect(verbs(recorded.sent)).toEqual(statements);
    // One round trip on MariaDB (the owner's UPDATE, the hold's close, the CDR, the bump); on SQLite each statement is sent as before.
    expect(recorded.sent.filter(({ shared }) => !shared)).toHaveLength(engine === 'mariadb' ? 1 : statements.length);
    expect(await rowsOf(w)).toMatchObject({ balance: 1_000 - 10 - 30 + 1, reserved: 0, cdrs: 2 });
  });

  it('sends the kept writes with a statement whose answer is read (an INSERT\'s id, a read), and the read sees them', async () => {
    const db = getDb();
    const w = await world(1);
    const recorded = recordSent(db);
    let answers: unknown[];
    try {
      answers = await inTransaction(db, work(w, ['bump', 'read', 'bump']), () => T0, { pipelined: true });
    } finally {
      recorded.stop();
    }
    expect(answers).toEqual([1, 1_000 - 10 + 1, 1]);
    expect(verbs(recorded.sent)).toEqual(['begin;', 'update', 'select', 'update', 'commit;']);
    // The first UPDATE and the read in one packet; the second UPDATE with the COMMIT.
    expect(recorded.sent.filter(({ shared }) => !shared)).toHaveLength(engine === 'mariadb' ? 2 : 5);
  });

  it('sends a write of two holds in one packet on MariaDB, each hold answered with the id its row got', async () => {
    const db = getDb();
    const w = await world(1);
    const recorded = recordSent(db);
    let holds: Reservation[] | null;
    try {
      holds = await inTransaction(
        db,
        (tx) =>
          tx.reservations.reserveEachFor({ accountId: w.account.id }, [
            { amount: minorUnits(20), holdKey: w.fresh[0]!, firstTry: true },
            { amount: minorUnits(30), holdKey: w.freshSecond[0]!, firstTry: true },
          ], { endsTransaction: true }),
        () => T0,
        { pipelined: true },
      );
    } finally {
      recorded.stop();
    }
    expect(verbs(recorded.sent)).toEqual(['begin;', 'update', 'insert', 'insert', 'commit;']);
    expect(recorded.sent.filter(({ shared }) => !shared)).toHaveLength(engine === 'mariadb' ? 1 : 5);
    for (const hold of holds!) expect(await store.reservations.findByHoldKey(hold.holdKey!)).toEqual(hold);
    expect(holds!.map(({ amountMinor }) => amountMinor)).toEqual([20, 30]);
  });

  it('runs a work that failed once more unpipelined on MariaDB, and throws its error as it came, nothing written', async () => {
    const db = getDb();
    const w = await world(1);
    const failure = new Error('the work failed');
    let runs = 0;
    await expect(
      inTransaction(
        db,
        async (tx) => {
          runs += 1;
          await bump(tx.db, w.account.id, 1);
          throw failure;
        },
        () => T0,
        { pipelined: true },
      ),
    ).rejects.toBe(failure);
    expect(runs).toBe(engine === 'mariadb' ? 2 : 1);
    expect((await store.accounts.findById(w.account.id))?.balanceMinor).toBe(1_000 - 10);
  });

  it('falls back even when the work catches the failure of a packet and goes on', async () => {
    const db = getDb();
    const w = await world(1);
    const answers = await inTransaction(
      db,
      async (tx) => {
        const inserted = await tx.cdrs.insert(cdrOf(w.cdrLeg));
        // On MariaDB the read carries the kept INSERT, whose duplicate key fails the packet.
        const read = await balanceOf(tx.db, w.account.id).catch(() => 'failed');
        return [inserted, read, await bump(tx.db, w.account.id, 5)];
      },
      () => T0,
      { pipelined: true },
    );
    expect(answers).toEqual([false, 1_000 - 10, 1]);
    expect(await rowsOf(w)).toMatchObject({ balance: 1_000 - 10 + 5, cdrs: 1 });
  });

  it('never runs again a work whose COMMIT went, even if it fails after it', async () => {
    const db = getDb();
    const w = await world(1);
    const failure = new Error('failed after its last statement');
    let runs = 0;
    await expect(
      inTransaction(
        db,
        async (tx) => {
          runs += 1;
          await bump(tx.db, w.account.id, 1);
          // A read carrying the COMMIT: answered for real, so sent at once with the kept UPDATE.
          await asLastStatement(tx.db, () => balanceOf(tx.db, w.account.id));
          throw failure;
        },
        () => T0,
        { pipelined: true },
      ),
    ).rejects.toBe(failure);
    expect(runs).toBe(1);
    // MariaDB committed with the read; SQLite rolled back as it always has.
    expect((await store.accounts.findById(w.account.id))?.balanceMinor).toBe(engine === 'mariadb' ? 1_000 - 10 + 1 : 1_000 - 10);
  });

  it('ends every script exactly as the unit run unpipelined ends it: answers, error and rows (a refused hold, a hold key taken, a hold closed before, a CDR written before, a write that finds no row)', async () => {
    const db = getDb();
    let fellBack = 0;
    let onePacket = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...OPERATIONS), { minLength: 1, maxLength: 6 }), async (script) => {
        const [pipelinedWorld, plainWorld] = [await world(script.length), await world(script.length)];
        const recorded = recordSent(db);
        let pipelined: Awaited<ReturnType<typeof outcome>>;
        try {
          pipelined = await outcome(() => inTransaction(db, work(pipelinedWorld, script), () => T0, { pipelined: true }));
        } finally {
          recorded.stop();
        }
        const plain = await outcome(() => inTransaction(db, work(plainWorld, script), () => T0));
        expect(pipelined).toEqual(plain);
        expect(await rowsOf(pipelinedWorld)).toEqual(await rowsOf(plainWorld));
        if (recorded.sent.some(({ sql }) => /^rollback/i.test(sql))) fellBack += 1;
        else if (recorded.sent.filter(({ shared }) => !shared).length === 1) onePacket += 1;
      }),
      { numRuns: 60, seed: 20_261_207 },
    );
    // Both ways were taken on MariaDB: the common case in one packet, and the fallback.
    if (engine === 'mariadb') {
      expect(fellBack).toBeGreaterThan(0);
      expect(onePacket).toBeGreaterThan(0);
    }
  });
});

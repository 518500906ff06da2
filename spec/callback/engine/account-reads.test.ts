import { readEachAccountOnce } from '../../../lib/callback/engine/account-reads';
import { OrderedAccounts } from '../../../lib/callback/engine/ordered-accounts';
import type { Account } from '../../../lib/store';

const account = (id: number): Account => ({ id, name: `a${id}` }) as Account;

describe('readEachAccountOnce', () => {
  it('reads each account once, a row it was given not at all, and again after a failed read', async () => {
    const reads: number[] = [];
    let failNext = true;
    const lookup = readEachAccountOnce(
      {
        accounts: {
          findById: async (id: number) => {
            reads.push(id);
            if (id === 3 && failNext) {
              failNext = false;
              throw new Error('database away');
            }
            return id === 9 ? null : account(id);
          },
        },
      } as unknown as Parameters<typeof readEachAccountOnce>[0],
      account(1),
    );
    expect(await lookup(1)).toEqual(account(1));
    expect(await lookup(2)).toEqual(account(2));
    expect(await lookup(2)).toEqual(account(2));
    expect(await lookup(9)).toBeNull();
    expect(await lookup(9)).toBeNull();
    await expect(lookup(3)).rejects.toThrow('database away');
    expect(await lookup(3)).toEqual(account(3));
    expect(reads).toEqual([2, 9, 3, 3]);
  });
});

describe('OrderedAccounts', () => {
  it("offers the order's account to a dial its schedule call starts, once, and to nobody after", async () => {
    const ordered = new OrderedAccounts();
    const taken: Array<Account | undefined> = [];
    await ordered.during('r1', account(1), async () => {
      taken.push(ordered.take('r2'), ordered.take('r1'), ordered.take('r1'));
    });
    await ordered.during('r3', account(3), async () => undefined);
    taken.push(ordered.take('r3'));
    expect(taken).toEqual([undefined, account(1), undefined, undefined]);
  });

  it('forgets the account when the schedule call fails', async () => {
    const ordered = new OrderedAccounts();
    await expect(ordered.during('r1', account(1), () => Promise.reject(new Error('queue away')))).rejects.toThrow('queue away');
    expect(ordered.take('r1')).toBeUndefined();
  });
});

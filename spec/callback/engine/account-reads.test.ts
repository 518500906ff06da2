import { readEachAccountOnce } from '../../../lib/callback/engine/account-reads';
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

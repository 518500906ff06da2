import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { Repository, bool, e164, insertedId, int, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, e164Field, idField, parseInput } from './validation';

/** A number known to belong to an account (A1), entered by the subscriber or remembered after a PIN (A2). */
export interface CallerId {
  id: number;
  accountId: number;
  number: E164;
  /** The subscriber ticked "Allow authorization": calls and SMS from this number act for the account. */
  allowAuthorization: boolean;
  /** Set when a correct PIN was entered from this number, so later calls skip the PIN. */
  rememberedAt: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface CallerIdRow {
  id: DbInt;
  account_id: DbInt;
  number: string;
  allow_authorization: DbBool;
  remembered_at: DbInt | null;
  created_at: DbInt;
  updated_at: DbInt;
}

const newCallerIdSchema = z.object({ accountId: idField, number: e164Field, allowAuthorization: z.boolean().default(false) });
export type NewCallerId = z.input<typeof newCallerIdSchema>;

function toCallerId(row: CallerIdRow): CallerId {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    number: e164(row.number),
    allowAuthorization: bool(row.allow_authorization),
    rememberedAt: optInt(row.remembered_at),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class CallerIdsRepository extends Repository {
  /** Throws StoreConflict when the number is already registered (to this or another account). */
  async add(input: NewCallerId): Promise<CallerId> {
    const { accountId, number, allowAuthorization } = parseInput(newCallerIdSchema, input, 'caller ID');
    const now = this.clock();
    try {
      const id = insertedId(
        await this.writing('caller ID', () =>
          this.db('caller_ids').insert({
            account_id: accountId,
            number,
            allow_authorization: allowAuthorization,
            created_at: now,
            updated_at: now,
          }),
        ),
      );
      return written(await this.findById(id), `caller ID ${id}`);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`${number} is already registered`);
      throw error;
    }
  }

  async findById(id: number): Promise<CallerId | null> {
    const row = await this.db<CallerIdRow>('caller_ids').where({ id }).first();
    return row ? toCallerId(row) : null;
  }

  async findByNumber(number: E164): Promise<CallerId | null> {
    const row = await this.db<CallerIdRow>('caller_ids').where({ number }).first();
    return row ? toCallerId(row) : null;
  }

  async listForAccount(accountId: number): Promise<CallerId[]> {
    return (await this.db<CallerIdRow>('caller_ids').where({ account_id: accountId }).orderBy('id')).map(toCallerId);
  }

  async setAllowAuthorization(accountId: number, number: E164, allow: boolean): Promise<boolean> {
    const changed = await this.db('caller_ids')
      .where({ account_id: accountId, number })
      .update({ allow_authorization: allow, updated_at: this.clock() });
    return changed > 0;
  }

  async remove(accountId: number, number: E164): Promise<boolean> {
    return (await this.db('caller_ids').where({ account_id: accountId, number }).delete()) > 0;
  }

  /**
   * After a correct PIN from `number` (A2). A number new to the store is registered to the account
   * with authorization allowed, which is what "skip the PIN next time" means. Returns null, changing
   * nothing, when the number belongs to another account: a PIN must not move a number.
   */
  async remember(accountId: number, number: E164): Promise<CallerId | null> {
    const now = this.clock();
    const updated = await this.db('caller_ids')
      .where({ account_id: accountId, number })
      .update({ remembered_at: now, updated_at: now });
    if (updated === 0) {
      try {
        await this.writing('caller ID', () =>
          this.db('caller_ids').insert({
            account_id: accountId,
            number,
            allow_authorization: true,
            remembered_at: now,
            created_at: now,
            updated_at: now,
          }),
        );
      } catch (error) {
        // Another account's number, or the same remember racing us: either way, re-read below.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    const callerId = await this.findByNumber(number);
    return callerId && callerId.accountId === accountId ? callerId : null;
  }
}

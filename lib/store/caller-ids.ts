import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { Repository, bool, e164, insertedId, int, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, e164Field, idField, parseInput } from './validation';

/**
 * How a number was shown to be the account's: a code sent to it and typed back, a PIN entered on
 * a call to it (A2), the operator's word, or registered before proof was asked (migration 014).
 */
export const VERIFIED_VIA = ['code', 'pin', 'operator', 'before_verification'] as const;
export type VerifiedVia = (typeof VERIFIED_VIA)[number];

/**
 * A number shown to belong to an account (A1): only these authorize calls and SMS, may be a
 * subscriber's first party, and are shown to others as a caller ID. Numbers claimed but not yet
 * shown are CallerIdClaims.
 */
export interface CallerId {
  id: number;
  accountId: number;
  number: E164;
  /** The subscriber ticked "Allow authorization": calls and SMS from this number act for the account. */
  allowAuthorization: boolean;
  /** Set when a correct PIN was entered from this number, so later calls skip the PIN. */
  rememberedAt: EpochMs | null;
  verifiedAt: EpochMs;
  verifiedVia: VerifiedVia;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface CallerIdRow {
  id: DbInt;
  account_id: DbInt;
  number: string;
  allow_authorization: DbBool;
  remembered_at: DbInt | null;
  verified_at: DbInt | null;
  verified_via: string | null;
  created_at: DbInt;
  updated_at: DbInt;
}

const newCallerIdSchema = z.object({
  accountId: idField,
  number: e164Field,
  allowAuthorization: z.boolean().default(false),
  verifiedVia: z.enum(VERIFIED_VIA).default('operator'),
});
export type NewCallerId = z.input<typeof newCallerIdSchema>;

function toCallerId(row: CallerIdRow): CallerId {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    number: e164(row.number),
    allowAuthorization: bool(row.allow_authorization),
    rememberedAt: optInt(row.remembered_at),
    // Every write path sets both; 014 filled in the rows from before.
    verifiedAt: optInt(row.verified_at) ?? int(row.created_at),
    verifiedVia: (VERIFIED_VIA as readonly string[]).includes(row.verified_via ?? '') ? (row.verified_via as VerifiedVia) : 'before_verification',
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class CallerIdsRepository extends Repository {
  /**
   * A number whose ownership was shown (`verifiedVia`). Pending claims on it, of any account,
   * are dropped with the same write: the number is taken. Throws StoreConflict when the number
   * is already registered (to this or another account).
   */
  async add(input: NewCallerId): Promise<CallerId> {
    const { accountId, number, allowAuthorization, verifiedVia } = parseInput(newCallerIdSchema, input, 'caller ID');
    const now = this.clock();
    try {
      const id = await this.writing('caller ID', () => this.atomically(async (trx) => {
        const inserted = insertedId(
          await trx('caller_ids').insert({
            account_id: accountId,
            number,
            allow_authorization: allowAuthorization,
            verified_at: now,
            verified_via: verifiedVia,
            created_at: now,
            updated_at: now,
          }),
        );
        await trx('caller_id_claims').where({ number }).delete();
        return inserted;
      }));
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
            // The PIN was typed on leg A, a call we placed to this number: that is the proof.
            verified_at: now,
            verified_via: 'pin',
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
    if (!callerId || callerId.accountId !== accountId) return null;
    await this.db('caller_id_claims').where({ number }).delete();
    return callerId;
  }
}

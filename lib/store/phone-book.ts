import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { Repository, e164, int, written, type DbInt, type EpochMs } from './rows';
import { e164Field, idField, parseInput } from './validation';

/** A subscriber's server-side phone book (W4). */
export interface PhoneBookEntry {
  id: number;
  accountId: number;
  name: string;
  number: E164;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface PhoneBookRow {
  id: DbInt;
  account_id: DbInt;
  name: string;
  number: string;
  created_at: DbInt;
  updated_at: DbInt;
}

const entrySchema = z.object({ accountId: idField, name: z.string().trim().min(1).max(100), number: e164Field });
export type NewPhoneBookEntry = z.input<typeof entrySchema>;

function toEntry(row: PhoneBookRow): PhoneBookEntry {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    name: row.name,
    number: e164(row.number),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class PhoneBookRepository extends Repository {
  /** Adds the number, or renames it when the account already has it. */
  async save(input: NewPhoneBookEntry): Promise<PhoneBookEntry> {
    const entry = parseInput(entrySchema, input, 'phone book entry');
    const now = this.clock();
    await this.writing('phone book entry', () =>
      this.db('phone_book')
        .insert({ account_id: entry.accountId, name: entry.name, number: entry.number, created_at: now, updated_at: now })
        .onConflict(['account_id', 'number'])
        .merge(['name', 'updated_at']),
    );
    return written(await this.find(entry.accountId, entry.number), 'phone book entry');
  }

  async find(accountId: number, number: E164): Promise<PhoneBookEntry | null> {
    const row = await this.db<PhoneBookRow>('phone_book').where({ account_id: accountId, number }).first();
    return row ? toEntry(row) : null;
  }

  /** Sorted by name. */
  async list(accountId: number): Promise<PhoneBookEntry[]> {
    return (await this.db<PhoneBookRow>('phone_book').where({ account_id: accountId }).orderBy(['name', 'id'])).map(toEntry);
  }

  async remove(accountId: number, number: E164): Promise<boolean> {
    return (await this.db('phone_book').where({ account_id: accountId, number }).delete()) > 0;
  }
}

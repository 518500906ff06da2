import { z } from 'zod';
import { Repository, insertedId, int, optInt, written, type DbInt, type EpochMs } from './rows';
import { randomKey, sameHex, sha256Hex } from './secrets';
import { idField, parseInput } from './validation';

/** A key for the REST API (W1); accountId null is an operator key. The key itself is never stored. */
export interface ApiKey {
  id: number;
  accountId: number | null;
  /** The key's first characters, safe to show so a subscriber can tell keys apart. */
  prefix: string;
  label: string;
  createdAt: EpochMs;
  revokedAt: EpochMs | null;
}

interface ApiKeyRow {
  id: DbInt;
  account_id: DbInt | null;
  prefix: string;
  key_hash: string;
  label: string;
  created_at: DbInt;
  revoked_at: DbInt | null;
}

const PREFIX_LENGTH = 8;

const newKeySchema = z.object({ accountId: idField.nullable(), label: z.string().max(100).default('') });
export type NewApiKey = z.input<typeof newKeySchema>;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: int(row.id),
    accountId: optInt(row.account_id),
    prefix: row.prefix,
    label: row.label,
    createdAt: int(row.created_at),
    revokedAt: optInt(row.revoked_at),
  };
}

export class ApiKeysRepository extends Repository {
  /** Returns the plain key: this is the only time it exists outside its owner's hands. */
  async create(input: NewApiKey): Promise<{ apiKey: ApiKey; plainKey: string }> {
    const { accountId, label } = parseInput(newKeySchema, input, 'API key');
    const plainKey = randomKey();
    const id = insertedId(
      await this.writing('API key', () =>
        this.db('api_keys').insert({
          account_id: accountId,
          prefix: plainKey.slice(0, PREFIX_LENGTH),
          key_hash: sha256Hex(plainKey),
          label,
          created_at: this.clock(),
        }),
      ),
    );
    return { apiKey: written(await this.findById(id), `API key ${id}`), plainKey };
  }

  /** The key's record when `plainKey` is a key we issued and it is not revoked; otherwise null. */
  async verify(plainKey: string): Promise<ApiKey | null> {
    if (plainKey.length <= PREFIX_LENGTH || plainKey.length > 200) return null;
    const hash = sha256Hex(plainKey);
    const candidates = await this.db<ApiKeyRow>('api_keys').where({ prefix: plainKey.slice(0, PREFIX_LENGTH) }).whereNull('revoked_at');
    const match = candidates.find((row) => sameHex(row.key_hash, hash));
    return match ? toApiKey(match) : null;
  }

  async findById(id: number): Promise<ApiKey | null> {
    const row = await this.db<ApiKeyRow>('api_keys').where({ id }).first();
    return row ? toApiKey(row) : null;
  }

  /** Operator keys when accountId is null. Revoked keys are listed too, marked by revokedAt. */
  async list(accountId: number | null): Promise<ApiKey[]> {
    return (await this.db<ApiKeyRow>('api_keys').where({ account_id: accountId }).orderBy('id')).map(toApiKey);
  }

  async revoke(id: number): Promise<boolean> {
    return (await this.db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: this.clock() })) > 0;
  }
}

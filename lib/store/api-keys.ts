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
  /** When the key stops (or stopped) working; later than now for a rotated key in its grace period. */
  revokedAt: EpochMs | null;
  /** To the minute (LAST_USED_RESOLUTION_MS): written at most that often. */
  lastUsedAt: EpochMs | null;
}

/** What a presented key is: one of ours that works, one of ours that no longer does, or none of ours. */
export type KeyCheck = { kind: 'valid'; apiKey: ApiKey } | { kind: 'revoked'; apiKey: ApiKey } | { kind: 'unknown' };

/** A key just issued, with its plain text: the only time it exists outside its owner's hands. */
export interface IssuedKey {
  apiKey: ApiKey;
  plainKey: string;
}

interface ApiKeyRow {
  id: DbInt;
  account_id: DbInt | null;
  prefix: string;
  key_hash: string;
  label: string;
  created_at: DbInt;
  revoked_at: DbInt | null;
  last_used_at: DbInt | null;
}

const PREFIX_LENGTH = 8;
/** How stale last_used_at may be: an API request writes nothing when its key was used this recently. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const newKeySchema = z.object({ accountId: idField.nullable(), label: z.string().trim().max(100).default('') });
export type NewApiKey = z.input<typeof newKeySchema>;

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: int(row.id),
    accountId: optInt(row.account_id),
    prefix: row.prefix,
    label: row.label,
    createdAt: int(row.created_at),
    revokedAt: optInt(row.revoked_at),
    lastUsedAt: optInt(row.last_used_at),
  };
}

/** Whether a key with this revocation time has stopped working at `now`. */
export function isRevoked(apiKey: Pick<ApiKey, 'revokedAt'>, now: EpochMs): boolean {
  return apiKey.revokedAt !== null && apiKey.revokedAt <= now;
}

export class ApiKeysRepository extends Repository {
  async create(input: NewApiKey): Promise<IssuedKey> {
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

  /**
   * What `plainKey` is. A working key's last use is recorded (to the minute); a revoked one is
   * told apart from a stranger's so the client hears why it is refused.
   */
  async authenticate(plainKey: string): Promise<KeyCheck> {
    if (plainKey.length <= PREFIX_LENGTH || plainKey.length > 200) return { kind: 'unknown' };
    const hash = sha256Hex(plainKey);
    const candidates = await this.db<ApiKeyRow>('api_keys').where({ prefix: plainKey.slice(0, PREFIX_LENGTH) });
    const match = candidates.find((row) => sameHex(row.key_hash, hash));
    if (!match) return { kind: 'unknown' };
    const apiKey = toApiKey(match);
    const now = this.clock();
    if (isRevoked(apiKey, now)) return { kind: 'revoked', apiKey };
    if (apiKey.lastUsedAt === null || apiKey.lastUsedAt <= now - LAST_USED_RESOLUTION_MS) {
      await this.db('api_keys').where({ id: apiKey.id }).update({ last_used_at: now });
      return { kind: 'valid', apiKey: { ...apiKey, lastUsedAt: now } };
    }
    return { kind: 'valid', apiKey };
  }

  async findById(id: number): Promise<ApiKey | null> {
    const row = await this.db<ApiKeyRow>('api_keys').where({ id }).first();
    return row ? toApiKey(row) : null;
  }

  /** Operator keys when accountId is null. Revoked keys are listed too, marked by revokedAt. */
  async list(accountId: number | null): Promise<ApiKey[]> {
    return (await this.db<ApiKeyRow>('api_keys').where({ account_id: accountId }).orderBy('id')).map(toApiKey);
  }

  /** Every key: the operator's first (accountId null), then each account's, by age. */
  async listAll(): Promise<ApiKey[]> {
    // Spelled out: where NULLs sort is the database's choice.
    return (await this.db<ApiKeyRow>('api_keys').orderBy([{ column: 'account_id', nulls: 'first' }, 'account_id', 'id'])).map(toApiKey);
  }

  /** Stops the key now; a rotated key still in its grace period stops at once too. False when it already stopped. */
  async revoke(id: number): Promise<boolean> {
    const now = this.clock();
    const changed = await this.db('api_keys')
      .where({ id })
      .andWhere((query) => query.whereNull('revoked_at').orWhere('revoked_at', '>', now))
      .update({ revoked_at: now });
    return changed > 0;
  }

  /**
   * Issues a key for the same account and label, which works at once, and revokes the old one
   * `graceMs` from now (0: at once), so clients can be moved over without an outage. Null when
   * the old key is unknown or has already stopped working.
   */
  async rotate(id: number, graceMs: number): Promise<{ issued: IssuedKey; replaced: ApiKey } | null> {
    return this.atomically(async (trx) => {
      const keys = new ApiKeysRepository(trx, this.clock);
      const old = await keys.findById(id);
      const now = this.clock();
      if (!old || isRevoked(old, now)) return null;
      const revokedAt = old.revokedAt === null ? now + graceMs : Math.min(old.revokedAt, now + graceMs);
      // Conditional on the row as read: of two rotations at once, only one issues a key.
      const claimed = await trx('api_keys').where({ id, revoked_at: old.revokedAt }).update({ revoked_at: revokedAt });
      if (claimed === 0) return null;
      const issued = await keys.create({ accountId: old.accountId, label: old.label });
      return { issued, replaced: { ...old, revokedAt } };
    });
  }
}

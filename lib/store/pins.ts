import { z } from 'zod';
import { claimAttempt, MAX_CLAIM_ROUNDS, type LockoutPolicy } from './attempt-lockout';
import { Repository, int, optInt, written, type DbInt, type EpochMs } from './rows';
import { hashSecret, verifySecret } from './secrets';
import { isUniqueViolation } from './sql-errors';
import { idField, parseInput } from './validation';

/** An account PIN (A2) or a calling-card PIN (A4). The hash never leaves this file. */
export interface Pin {
  id: number;
  accountId: number | null;
  cardId: number | null;
  failedAttempts: number;
  lockedUntil: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export type PinOwner = { accountId: number } | { cardId: number };

/** A5: how many wrong PINs lock the PIN, and for how long. */
export type { LockoutPolicy };

export type PinCheck =
  | { ok: true }
  | { ok: false; reason: 'no_pin' | 'locked' | 'wrong'; failedAttempts: number; lockedUntil: EpochMs | null };

interface PinRow {
  id: DbInt;
  account_id: DbInt | null;
  card_id: DbInt | null;
  pin_hash: string;
  failed_attempts: DbInt;
  locked_until: DbInt | null;
  created_at: DbInt;
  updated_at: DbInt;
}

const ownerSchema = z.union([z.object({ accountId: idField }).strict(), z.object({ cardId: idField }).strict()]);
const pinSchema = z.string().regex(/^[0-9]{4,12}$/, 'a PIN is 4 to 12 digits');

function toPin(row: PinRow): Pin {
  return {
    id: int(row.id),
    accountId: optInt(row.account_id),
    cardId: optInt(row.card_id),
    failedAttempts: int(row.failed_attempts),
    lockedUntil: optInt(row.locked_until),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

function ownerColumns(owner: PinOwner): { account_id: number | null; card_id: number | null } {
  const checked = parseInput(ownerSchema, owner, 'PIN owner');
  return 'accountId' in checked ? { account_id: checked.accountId, card_id: null } : { account_id: null, card_id: checked.cardId };
}

export class PinsRepository extends Repository {
  /** Sets or replaces the owner's PIN; a new PIN also clears any lockout. */
  async set(owner: PinOwner, pin: string): Promise<Pin> {
    const columns = ownerColumns(owner);
    const pinHash = await hashSecret(parseInput(pinSchema, pin, 'PIN'));
    const now = this.clock();
    const replacement = { pin_hash: pinHash, failed_attempts: 0, locked_until: null, updated_at: now };
    const updated = await this.db('pins').where(columns).update(replacement);
    if (updated === 0) {
      try {
        await this.writing('PIN', () => this.db('pins').insert({ ...columns, ...replacement, created_at: now }));
      } catch (error) {
        // A concurrent set() created the row first; ours is the later word.
        if (!isUniqueViolation(error)) throw error;
        await this.db('pins').where(columns).update(replacement);
      }
    }
    return written(await this.find(owner), 'PIN');
  }

  async find(owner: PinOwner): Promise<Pin | null> {
    const row = await this.findRow(owner);
    return row ? toPin(row) : null;
  }

  /**
   * Checks a PIN entered on a call. While locked, the PIN is not even compared, so guessing during
   * a lockout learns nothing. Each attempt is claimed in the row before the PIN is compared
   * (claimAttempt), so parallel calls on any number of instances never compare more PINs than
   * the policy allows.
   */
  async verify(owner: PinOwner, pin: string, policy: LockoutPolicy): Promise<PinCheck> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const row = await this.findRow(owner);
      if (!row) return { ok: false, reason: 'no_pin', failedAttempts: 0, lockedUntil: null };
      const id = int(row.id);
      // The hash is part of the claim: a PIN replaced meanwhile is not compared against the old one.
      const claim = await claimAttempt(this.db, 'pins', { id, pin_hash: row.pin_hash }, row, policy, this.clock());
      if (claim.kind === 'raced') continue;
      if (claim.kind === 'locked') return { ok: false, reason: 'locked', failedAttempts: claim.failedAttempts, lockedUntil: claim.lockedUntil };
      if (await verifySecret(pin, row.pin_hash)) {
        // Only the failures counted up to this claim: a lock set meanwhile by parallel guesses stands.
        await this.db('pins').where({ id, failed_attempts: claim.failedAttempts }).update({ failed_attempts: 0, locked_until: null, updated_at: this.clock() });
        return { ok: true };
      }
      if (claim.lockUntil === null) return { ok: false, reason: 'wrong', failedAttempts: claim.failedAttempts, lockedUntil: null };
      return { ok: false, reason: 'locked', failedAttempts: claim.failedAttempts, lockedUntil: claim.lockUntil };
    }
    // Still contended after several rounds: a flood of guesses; refuse this one without comparing.
    const row = await this.findRow(owner);
    return { ok: false, reason: 'locked', failedAttempts: row ? int(row.failed_attempts) : 0, lockedUntil: row ? optInt(row.locked_until) : null };
  }

  /** Operator action: clears the counter and any lockout. */
  async unlock(owner: PinOwner): Promise<boolean> {
    const changed = await this.db('pins')
      .where(ownerColumns(owner))
      .update({ failed_attempts: 0, locked_until: null, updated_at: this.clock() });
    return changed > 0;
  }

  async remove(owner: PinOwner): Promise<boolean> {
    return (await this.db('pins').where(ownerColumns(owner)).delete()) > 0;
  }

  private findRow(owner: PinOwner): Promise<PinRow | undefined> {
    return this.db<PinRow>('pins').where(ownerColumns(owner)).first();
  }
}

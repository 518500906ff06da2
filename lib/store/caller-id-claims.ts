import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { claimAttempt, MAX_CLAIM_ROUNDS, type LockoutPolicy } from './attempt-lockout';
import { CallerIdsRepository, type CallerId } from './caller-ids';
import { Repository, bool, e164, int, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { verifySecret } from './secrets';
import { isUniqueViolation } from './sql-errors';
import { StoreConflict, e164Field, idField, parseInput } from './validation';

/**
 * A number an account says is its own, not yet shown to be (#15 item 8): a code was sent to it.
 * It authorizes nothing until the code comes back; then it becomes a CallerId. The code's hash
 * never leaves this file.
 */
export interface CallerIdClaim {
  id: number;
  accountId: number;
  number: E164;
  /** What the CallerId will have once verified. */
  allowAuthorization: boolean;
  expiresAt: EpochMs;
  failedAttempts: number;
  lockedUntil: EpochMs | null;
  codesSent: number;
  lastSentAt: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

interface ClaimRow {
  id: DbInt;
  account_id: DbInt;
  number: string;
  allow_authorization: DbBool;
  code_hash: string;
  expires_at: DbInt;
  failed_attempts: DbInt;
  locked_until: DbInt | null;
  codes_sent: DbInt;
  last_sent_at: DbInt | null;
  created_at: DbInt;
  updated_at: DbInt;
}

/** How often a code may be sent for one claim. */
export interface SendPolicy {
  /** Least time between two codes. */
  minIntervalMs: number;
  /** Codes in all for one claim; a claim past it must be removed and made again (which the same limits meet). */
  maxSends: number;
}

export type ClaimSend =
  | { kind: 'sent'; claim: CallerIdClaim }
  | { kind: 'too_soon'; retryAfterMs: number }
  | { kind: 'too_many' };

export type ClaimCheck =
  | { ok: true; callerId: CallerId }
  /** `taken`: the code was right, but another account had shown the number first; this claim is dropped. */
  | { ok: false; reason: 'no_claim' | 'expired' | 'wrong' | 'taken' }
  | { ok: false; reason: 'locked'; lockedUntil: EpochMs };

const newClaimSchema = z.object({
  accountId: idField,
  number: e164Field,
  allowAuthorization: z.boolean(),
  codeHash: z.string().min(1).max(255),
  expiresAt: z.number().int().positive(),
});
export type NewClaimCode = z.input<typeof newClaimSchema>;

function toClaim(row: ClaimRow): CallerIdClaim {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    number: e164(row.number),
    allowAuthorization: bool(row.allow_authorization),
    expiresAt: int(row.expires_at),
    failedAttempts: int(row.failed_attempts),
    lockedUntil: optInt(row.locked_until),
    codesSent: int(row.codes_sent),
    lastSentAt: optInt(row.last_sent_at),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

export class CallerIdClaimsRepository extends Repository {
  /**
   * Records that a (new) code is being sent for the account's claim on the number, creating the
   * claim if needed. A further code is refused while the last one is younger than the interval,
   * or once the claim has had its codes; each code replaces the one before. Wrong tries are not
   * forgotten by a new code (only the right code clears them), so sending codes buys no guesses.
   */
  async recordCode(input: NewClaimCode, policy: SendPolicy): Promise<ClaimSend> {
    const { accountId, number, allowAuthorization, codeHash, expiresAt } = parseInput(newClaimSchema, input, 'caller ID claim');
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const now = this.clock();
      const row = await this.findRow(accountId, number);
      if (!row) {
        try {
          await this.writing('caller ID claim', () =>
            this.db('caller_id_claims').insert({
              account_id: accountId,
              number,
              allow_authorization: allowAuthorization,
              code_hash: codeHash,
              expires_at: expiresAt,
              codes_sent: 1,
              last_sent_at: now,
              created_at: now,
              updated_at: now,
            }),
          );
        } catch (error) {
          // The same claim made in parallel: read it and take the resend path.
          if (isUniqueViolation(error)) continue;
          throw error;
        }
        return { kind: 'sent', claim: written(await this.find(accountId, number), `claim on ${number}`) };
      }
      const sent = int(row.codes_sent);
      if (sent >= policy.maxSends) return { kind: 'too_many' };
      const lastSentAt = optInt(row.last_sent_at);
      if (lastSentAt !== null && now - lastSentAt < policy.minIntervalMs) return { kind: 'too_soon', retryAfterMs: lastSentAt + policy.minIntervalMs - now };
      // Compare-and-set on the count: of two resends racing, one sends.
      const changed = await this.db('caller_id_claims')
        .where({ id: int(row.id), codes_sent: sent })
        .update({ code_hash: codeHash, expires_at: expiresAt, allow_authorization: allowAuthorization, codes_sent: sent + 1, last_sent_at: now, updated_at: now });
      if (changed === 0) return { kind: 'too_soon', retryAfterMs: policy.minIntervalMs };
      return { kind: 'sent', claim: written(await this.find(accountId, number), `claim on ${number}`) };
    }
    return { kind: 'too_soon', retryAfterMs: policy.minIntervalMs };
  }

  /**
   * Checks a code typed for the account's claim. Each try is claimed in the row before the code
   * is compared (claimAttempt, as for PINs), so parallel guesses never compare more codes than
   * the policy allows. The right code makes the number the account's CallerId and drops every
   * other account's claim on it; if another account got there first, this claim is dropped.
   */
  async verify(accountId: number, number: E164, code: string, policy: LockoutPolicy): Promise<ClaimCheck> {
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const row = await this.findRow(accountId, number);
      if (!row) return { ok: false, reason: 'no_claim' };
      const id = int(row.id);
      const now = this.clock();
      // The hash is part of the claim: a code replaced meanwhile is not compared against the old one.
      const attempt = await claimAttempt(this.db, 'caller_id_claims', { id, code_hash: row.code_hash }, row, policy, now);
      if (attempt.kind === 'raced') continue;
      if (attempt.kind === 'locked') return { ok: false, reason: 'locked', lockedUntil: attempt.lockedUntil };
      if (int(row.expires_at) <= now) return { ok: false, reason: 'expired' };
      if (!(await verifySecret(code, row.code_hash))) {
        return attempt.lockUntil === null ? { ok: false, reason: 'wrong' } : { ok: false, reason: 'locked', lockedUntil: attempt.lockUntil };
      }
      try {
        const callerId = await new CallerIdsRepository(this.db, this.clock).add({
          accountId,
          number,
          allowAuthorization: bool(row.allow_authorization),
          verifiedVia: 'code',
        });
        return { ok: true, callerId };
      } catch (error) {
        if (!(error instanceof StoreConflict)) throw error;
        await this.db('caller_id_claims').where({ id }).delete();
        return { ok: false, reason: 'taken' };
      }
    }
    const row = await this.findRow(accountId, number);
    return { ok: false, reason: 'locked', lockedUntil: optInt(row?.locked_until) ?? this.clock() };
  }

  async find(accountId: number, number: E164): Promise<CallerIdClaim | null> {
    const row = await this.findRow(accountId, number);
    return row ? toClaim(row) : null;
  }

  async listForAccount(accountId: number): Promise<CallerIdClaim[]> {
    return (await this.db<ClaimRow>('caller_id_claims').where({ account_id: accountId }).orderBy('id')).map(toClaim);
  }

  async setAllowAuthorization(accountId: number, number: E164, allow: boolean): Promise<boolean> {
    return (await this.db('caller_id_claims').where({ account_id: accountId, number }).update({ allow_authorization: allow, updated_at: this.clock() })) > 0;
  }

  async remove(accountId: number, number: E164): Promise<boolean> {
    return (await this.db('caller_id_claims').where({ account_id: accountId, number }).delete()) > 0;
  }

  /**
   * Housekeeping: deletes the claims expired more than `retentionMs` ago and not locked any more
   * (deleting a locked claim would end its lockout early). Returns how many went.
   */
  async deleteExpired(retentionMs: number): Promise<number> {
    const now = this.clock();
    return this.db('caller_id_claims')
      .where('expires_at', '<=', now - retentionMs)
      .andWhere((locked) => locked.whereNull('locked_until').orWhere('locked_until', '<=', now))
      .delete();
  }

  private findRow(accountId: number, number: E164): Promise<ClaimRow | undefined> {
    return this.db<ClaimRow>('caller_id_claims').where({ account_id: accountId, number }).first();
  }
}

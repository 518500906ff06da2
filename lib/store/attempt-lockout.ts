import type { Knex } from 'knex';
import { int, optInt, type DbInt, type EpochMs } from './rows';

/** How many wrong secrets lock, and for how long (PINs: A5; portal logins: W5). */
export interface LockoutPolicy {
  maxAttempts: number;
  lockMs: number;
}

/** The two columns a row needs to be guarded by attempt counting. */
export interface AttemptColumns {
  failed_attempts: DbInt;
  locked_until: DbInt | null;
}

export type AttemptClaim =
  | { kind: 'locked'; failedAttempts: number; lockedUntil: EpochMs }
  /** This attempt may compare the secret; `lockUntil` is set when it was the last one allowed. */
  | { kind: 'claimed'; failedAttempts: number; lockUntil: EpochMs | null }
  /** A parallel attempt (on this or another instance) changed the row first: read it again. */
  | { kind: 'raced' };

/**
 * Claims one attempt on `row` (as read) before the secret is compared: the counter moves from the
 * value read to one more only if nobody moved it meanwhile (compare-and-set), and the attempt that
 * reaches the limit locks the row in the same update. However many guesses race, across any
 * number of instances, no more secrets are compared than the policy allows. The count is only
 * cleared by a right secret, so after a lock expires each further wrong one locks again at once.
 */
export async function claimAttempt(
  db: Knex,
  table: string,
  where: Record<string, string | number>,
  row: AttemptColumns,
  policy: LockoutPolicy,
  now: EpochMs,
): Promise<AttemptClaim> {
  const failedBefore = int(row.failed_attempts);
  const lockedUntil = optInt(row.locked_until);
  if (lockedUntil !== null && lockedUntil > now) return { kind: 'locked', failedAttempts: failedBefore, lockedUntil };
  const failedAttempts = failedBefore + 1;
  const lockUntil = failedAttempts >= policy.maxAttempts ? now + policy.lockMs : null;
  const claimed = await db(table)
    .where({ ...where, failed_attempts: failedBefore })
    .update({ failed_attempts: failedAttempts, locked_until: lockUntil, updated_at: now });
  return claimed === 0 ? { kind: 'raced' } : { kind: 'claimed', failedAttempts, lockUntil };
}

/** How often an attempt re-reads its row after losing a race before it gives up (refused, not compared). */
export const MAX_CLAIM_ROUNDS = 20;

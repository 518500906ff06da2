import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { CallbackRequest } from './callback-requests';
import { optInt, type DbInt } from './rows';
import { retryOnDeadlock } from './sql-errors';

/*
 * The scheduler's claims on callback_requests: claimDue takes "any due rows" while a fired job
 * names one request, and transition() moves the state without taking a lease. Each is one
 * conditional UPDATE, so that of any number of racing jobs, sweeps and instances exactly one
 * sees a changed row.
 */

export interface ClaimOptions {
  now: number;
  instanceId: string;
  leaseMs: number;
}

function leaseColumns(db: Knex, options: ClaimOptions) {
  return {
    claimed_by: options.instanceId,
    claim_token: randomUUID(),
    lease_until: options.now + options.leaseMs,
    version: db.raw('version + 1'),
    updated_at: options.now,
  };
}

/** A copy of a due request (read just before, or just written) and the state its claim moves it to. */
export interface DialClaim {
  readonly request: CallbackRequest;
  readonly to: string;
}

/**
 * Takes `request` (a copy read just before) for dialing: moves it from a due state to `to` with a
 * lease for this instance and counts the attempt, provided nothing changed it since it was read
 * (version), it is due, and no other live instance holds it. True when this call won. State and
 * attempt in the same write are all of a due request's first step, so the dialer starts from the
 * claimed row without writing it again.
 */
export async function claimForDial(
  db: Knex,
  request: CallbackRequest,
  dueStates: readonly string[],
  to: string,
  options: ClaimOptions,
): Promise<boolean> {
  return (await claimManyForDial(db, [{ request, to }], dueStates, options)).has(request.id);
}

/**
 * claimForDial for many copies at once, each row on exactly the same conditions (its copy's
 * version, due, no other live lease): one UPDATE per target state (a batch has one or two), so
 * one commit for all instead of one each. When the UPDATE changed fewer rows than it was given
 * (a row changed since its copy, another instance's claim), the rows carrying this claim's token
 * are the ones won: one more SELECT, only then. Returns the ids won.
 */
export async function claimManyForDial(
  db: Knex,
  claims: readonly DialClaim[],
  dueStates: readonly string[],
  options: ClaimOptions,
): Promise<Set<string>> {
  const won = new Set<string>();
  for (const [to, group] of byTarget(claims)) {
    const ids = group.map((claim) => claim.request.id);
    const lease = leaseColumns(db, options);
    const changed = await retryOnDeadlock(() =>
      db('callback_requests')
        // The id list is what the index serves; the (id, version) pairs are each copy's compare-and-set.
        .whereIn('id', ids)
        .whereIn(
          ['id', 'version'],
          group.map((claim) => [claim.request.id, claim.request.version]),
        )
        .whereIn('state', [...dueStates])
        .where('due_at', '<=', options.now)
        .where((q) => q.whereNull('claimed_by').orWhere('lease_until', '<', options.now).orWhere('claimed_by', options.instanceId))
        .update({ ...lease, state: to, state_changed_at: options.now, attempts: db.raw('attempts + 1') }),
    );
    if (changed === group.length) {
      for (const id of ids) won.add(id);
    } else if (changed > 0) {
      const rows: { id: string }[] = await db('callback_requests').whereIn('id', ids).where({ claim_token: lease.claim_token }).select('id');
      for (const row of rows) won.add(row.id);
    }
  }
  return won;
}

function byTarget(claims: readonly DialClaim[]): Map<string, DialClaim[]> {
  const groups = new Map<string, DialClaim[]>();
  for (const claim of claims) {
    const group = groups.get(claim.to);
    if (group) group.push(claim);
    else groups.set(claim.to, [claim]);
  }
  return groups;
}

/**
 * The row claimForDial left when it won: the copy it was given moved as its UPDATE moved it.
 * Exact, because the claim was conditional on the copy's version, so the dialer starts from it
 * without reading the row again.
 */
export function claimedForDial(request: CallbackRequest, to: string, options: ClaimOptions): CallbackRequest {
  return {
    ...request,
    state: to,
    stateChangedAt: options.now,
    attempts: request.attempts + 1,
    claimedBy: options.instanceId,
    leaseUntil: options.now + options.leaseMs,
    version: request.version + 1,
    updatedAt: options.now,
  };
}

/** What a recovery took over: when the previous owner's lease ran out (null: nobody held the request). */
export interface TakenOverLease {
  readonly ranOutAt: number | null;
}

/**
 * Takes over an active request whose owner's lease ran out (the owner died mid-dial), or that
 * nobody holds at all (a lease given up while the row stayed active), leaving its state alone:
 * the recovery decides what it becomes. Null when another claim won. The lease it replaces is
 * read first and the claim is conditional on it, so the answer says exactly when the dead
 * owner's lease ran out (the row only knows the new one): the last instant its calls were
 * watched, up to which the recovery estimates what nobody saw.
 */
export async function claimForRecovery(
  db: Knex,
  requestId: string,
  activeStates: readonly string[],
  options: ClaimOptions,
): Promise<TakenOverLease | null> {
  const row = await db('callback_requests').where({ id: requestId }).first<{ lease_until: DbInt | null } | undefined>('lease_until');
  if (!row) return null;
  const ranOutAt = optInt(row.lease_until);
  const changed = await retryOnDeadlock(() =>
    db('callback_requests')
      .where({ id: requestId })
      .whereIn('state', [...activeStates])
      .where((q) => (ranOutAt === null ? q.whereNull('lease_until') : q.where('lease_until', ranOutAt).andWhere('lease_until', '<', options.now)))
      .update(leaseColumns(db, options)),
  );
  return changed > 0 ? { ranOutAt } : null;
}

/**
 * Extends every lease this instance holds on an active request (the heartbeat), or only those of
 * `onlyIds` (the requests it really works on). A lease that has already run out is left alone:
 * from then on the request belongs to whoever recovers it. Returns how many were extended.
 */
export async function renewInstanceLeases(
  db: Knex,
  instanceId: string,
  activeStates: readonly string[],
  now: number,
  leaseMs: number,
  onlyIds?: readonly string[],
): Promise<number> {
  const renew = (ids?: readonly string[]): Promise<number> =>
    retryOnDeadlock(() => {
      const query = db('callback_requests')
        .where({ claimed_by: instanceId })
        .whereIn('state', [...activeStates])
        .where('lease_until', '>=', now);
      if (ids) query.whereIn('id', [...ids]);
      return query.update({ lease_until: now + leaseMs });
    });
  if (!onlyIds) return renew();
  let renewed = 0;
  for (const ids of idChunks(onlyIds)) renewed += await renew(ids);
  return renewed;
}

/**
 * A list of ids split for `IN (…)`: SQLite refuses a statement with more than 32,766 bound values,
 * and one instance may hold more calls than that; 5,000 keeps each MariaDB packet small too.
 */
function idChunks(ids: readonly string[]): (readonly string[])[] {
  const chunks: (readonly string[])[] = [];
  for (let start = 0; start < ids.length; start += ID_CHUNK) chunks.push(ids.slice(start, start + ID_CHUNK));
  return chunks;
}

const ID_CHUNK = 5_000;

/**
 * Of `requestIds`, those this instance no longer holds a live lease on at `now`: claimed by another
 * instance or by none (cancelled elsewhere, recovered), run out, or gone. What the heartbeat asks
 * when its renewal changed fewer rows than it listed (rare), to tell the callers which ones.
 */
export async function leasesNotHeld(db: Knex, instanceId: string, requestIds: readonly string[], now: number): Promise<string[]> {
  const kept = new Set<string>();
  for (const ids of idChunks(requestIds)) {
    const held = await db('callback_requests')
      .whereIn('id', [...ids])
      .where({ claimed_by: instanceId })
      .where('lease_until', '>=', now)
      .select<{ id: string }[]>('id');
    for (const { id } of held) kept.add(id);
  }
  return requestIds.filter((id) => !kept.has(id));
}

/**
 * Lets this instance's lease on a request run out at once, so that the next sweep recovers it.
 * `ranOutAt`: a recovery giving the request up again puts back when the dead owner's lease ran
 * out, so that the next recovery still estimates up to then, not up to this failed attempt.
 */
export async function abandonLease(db: Knex, requestId: string, instanceId: string, now: number, ranOutAt?: number | null): Promise<boolean> {
  const leaseUntil = Math.min(now - 1, ranOutAt ?? now - 1);
  const changed = await retryOnDeadlock(() =>
    db('callback_requests').where({ id: requestId, claimed_by: instanceId }).update({ lease_until: leaseUntil, updated_at: now }),
  );
  return changed > 0;
}

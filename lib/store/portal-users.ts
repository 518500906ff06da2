import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Repository, bool, insertedId, int, optInt, written, type DbBool, type DbInt, type EpochMs } from './rows';
import { claimAttempt, MAX_CLAIM_ROUNDS, type AttemptColumns, type LockoutPolicy } from './attempt-lockout';
import { hashSecret, sha256Hex, verifySecret } from './secrets';
import { isUniqueViolation } from './sql-errors';
import { idField, parseInput, StoreConflict } from './validation';

/** A web portal login (W5): one email, one account; the password is stored as salted scrypt only. */
export interface PortalUser {
  id: number;
  accountId: number;
  email: string;
  active: boolean;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  lastLoginAt: EpochMs | null;
}

/** A logged-in browser. `id` is the cookie's value: it exists only when the session is created. */
export interface PortalSession {
  userId: number;
  csrfToken: string;
  createdAt: EpochMs;
  expiresAt: EpochMs;
}

interface PortalUserRow {
  id: DbInt;
  account_id: DbInt;
  email: string;
  password_hash: string;
  active: DbBool;
  created_at: DbInt;
  updated_at: DbInt;
  last_login_at: DbInt | null;
}

interface PortalSessionRow {
  id_hash: string;
  user_id: DbInt;
  csrf_token: string;
  created_at: DbInt;
  expires_at: DbInt;
}

/** What a login attempt came to (checkLogin); `locked`: refused without comparing the password. */
export type LoginCheck = { ok: true; user: PortalUser } | { ok: false; reason: 'wrong' } | { ok: false; reason: 'locked'; lockedUntil: EpochMs };

export const MIN_PASSWORD_LENGTH = 8;

const emailField = z.string().trim().toLowerCase().max(254).pipe(z.email());
const newUserSchema = z.object({ accountId: idField, email: emailField, password: z.string().min(MIN_PASSWORD_LENGTH).max(200) });
export type NewPortalUser = z.input<typeof newUserSchema>;

/** Hashed once, so that a login for an unknown email costs as much as one for a known email. */
let dummyHash: Promise<string> | undefined;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function toUser(row: PortalUserRow): PortalUser {
  return {
    id: int(row.id),
    accountId: int(row.account_id),
    email: row.email,
    active: bool(row.active),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
    lastLoginAt: optInt(row.last_login_at),
  };
}

export class PortalUsersRepository extends Repository {
  async create(input: NewPortalUser): Promise<PortalUser> {
    const { accountId, email, password } = parseInput(newUserSchema, input, 'portal user');
    const passwordHash = await hashSecret(password);
    const now = this.clock();
    let id: number;
    try {
      id = insertedId(
        await this.writing('portal user', () =>
          this.db('portal_users').insert({ account_id: accountId, email, password_hash: passwordHash, active: true, created_at: now, updated_at: now }),
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`${email} already has a portal login`);
      throw error;
    }
    return written(await this.findById(id), `portal user ${id}`);
  }

  async findById(id: number): Promise<PortalUser | null> {
    const row = await this.db<PortalUserRow>('portal_users').where({ id }).first();
    return row ? toUser(row) : null;
  }

  async findByEmail(email: string): Promise<PortalUser | null> {
    const row = await this.db<PortalUserRow>('portal_users').where({ email: normalizeEmail(email) }).first();
    return row ? toUser(row) : null;
  }

  async listForAccount(accountId: number): Promise<PortalUser[]> {
    return (await this.db<PortalUserRow>('portal_users').where({ account_id: accountId }).orderBy('id')).map(toUser);
  }

  /** Every account's logins, by account. */
  async listAll(): Promise<PortalUser[]> {
    return (await this.db<PortalUserRow>('portal_users').orderBy(['account_id', 'id'])).map(toUser);
  }

  async setPassword(id: number, password: string): Promise<boolean> {
    parseInput(newUserSchema.shape.password, password, 'password');
    const passwordHash = await hashSecret(password);
    const changed = (await this.db('portal_users').where({ id }).update({ password_hash: passwordHash, updated_at: this.clock() })) > 0;
    // A new password ends every session opened with the old one.
    if (changed) await this.db('portal_sessions').where({ user_id: id }).delete();
    return changed;
  }

  async setActive(id: number, active: boolean): Promise<boolean> {
    const changed = (await this.db('portal_users').where({ id }).update({ active, updated_at: this.clock() })) > 0;
    if (changed && !active) await this.db('portal_sessions').where({ user_id: id }).delete();
    return changed;
  }

  /**
   * The user when the email and password match an active login, else null. An unknown email
   * still runs scrypt, so the answer's timing does not tell which emails have logins.
   */
  async verifyLogin(email: string, password: string): Promise<PortalUser | null> {
    const row = email.length <= 254 && password.length <= 200 ? await this.db<PortalUserRow>('portal_users').where({ email: normalizeEmail(email) }).first() : undefined;
    if (!row) {
      dummyHash ??= hashSecret(randomBytes(16).toString('hex'));
      await verifySecret(password.slice(0, 200), await dummyHash);
      return null;
    }
    const ok = await verifySecret(password, row.password_hash);
    if (!ok || !bool(row.active)) return null;
    await this.db('portal_users').where({ id: row.id }).update({ last_login_at: this.clock() });
    return toUser(row);
  }

  /**
   * verifyLogin behind a lockout per email that every instance shares (W5): after
   * `policy.maxAttempts` wrong logins within `policy.lockMs` of each other the email is locked for
   * `policy.lockMs`, and while locked the password is not even compared. Emails without a login are
   * counted the same way, so a lockout tells nothing about which emails exist. A right login clears
   * the failures counted before its own claim (not those of guesses racing it: a burst that
   * straddles the owner's login gets no fresh count), and `policy.lockMs` without attempts (the
   * lock's end included) clears the count.
   */
  async checkLogin(email: string, password: string, policy: LockoutPolicy): Promise<LoginCheck> {
    const key = { email_hash: sha256Hex(normalizeEmail(email)) };
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const now = this.clock();
      const row = await this.db<AttemptColumns & { updated_at: DbInt }>('portal_login_attempts').where(key).first();
      const locked = row !== undefined && (optInt(row.locked_until) ?? 0) > now;
      if (row && !locked && int(row.updated_at) + policy.lockMs <= now) {
        // Quiet for a whole window: a typo last month does not count toward today's lock.
        await this.db('portal_login_attempts').where({ ...key, updated_at: int(row.updated_at) }).delete();
        continue;
      }
      if (!row) {
        // First failure-guard row for this email; a parallel attempt may create it first.
        await this.db('portal_login_attempts').insert({ ...key, failed_attempts: 0, locked_until: null, updated_at: now }).onConflict('email_hash').ignore();
        continue;
      }
      const claim = await claimAttempt(this.db, 'portal_login_attempts', key, row, policy, now);
      if (claim.kind === 'raced') continue;
      if (claim.kind === 'locked') return { ok: false, reason: 'locked', lockedUntil: claim.lockedUntil };
      const user = await this.verifyLogin(email, password);
      if (user) {
        // Only the failures counted up to this claim: a lock set meanwhile by parallel guesses stands.
        await this.db('portal_login_attempts').where({ ...key, failed_attempts: claim.failedAttempts }).delete();
        return { ok: true, user };
      }
      // Compared and wrong: said as such even when this attempt set the lock (the next one hears of it).
      return { ok: false, reason: 'wrong' };
    }
    return { ok: false, reason: 'locked', lockedUntil: this.clock() + policy.lockMs };
  }

  /** Opens a session; returns the cookie value (32 random bytes), which is stored only as a hash. */
  async createSession(userId: number, ttlMs: number): Promise<{ id: string; session: PortalSession }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock();
    const session: PortalSession = { userId, csrfToken: randomBytes(32).toString('base64url'), createdAt: now, expiresAt: now + ttlMs };
    await this.writing('portal session', () =>
      this.db('portal_sessions').insert({ id_hash: sha256Hex(id), user_id: userId, csrf_token: session.csrfToken, created_at: now, expires_at: session.expiresAt }),
    );
    return { id, session };
  }

  /** The session and its user, when the id is one of ours, unexpired, and the user still active. */
  async findSession(id: string): Promise<{ session: PortalSession; user: PortalUser } | null> {
    if (id.length === 0 || id.length > 100) return null;
    const row = await this.db<PortalSessionRow>('portal_sessions').where({ id_hash: sha256Hex(id) }).first();
    if (!row || int(row.expires_at) <= this.clock()) return null;
    const user = await this.findById(int(row.user_id));
    if (!user?.active) return null;
    return { session: { userId: user.id, csrfToken: row.csrf_token, createdAt: int(row.created_at), expiresAt: int(row.expires_at) }, user };
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.db('portal_sessions').where({ id_hash: sha256Hex(id) }).delete()) > 0;
  }

  /** Housekeeping: drops login-attempt counts quiet for `windowMs` (strangers' typos included); returns how many. */
  async deleteStaleLoginAttempts(windowMs: number): Promise<number> {
    const now = this.clock();
    return this.db('portal_login_attempts')
      .where('updated_at', '<=', now - windowMs)
      .andWhere((query) => query.whereNull('locked_until').orWhere('locked_until', '<=', now))
      .delete();
  }

  /** Housekeeping: drops sessions past their expiry; returns how many. */
  async deleteExpiredSessions(): Promise<number> {
    return this.db('portal_sessions').where('expires_at', '<=', this.clock()).delete();
  }
}

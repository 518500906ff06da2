import type { ApiKey, IssuedKey, PortalUser, Store } from '../store';
import { randomKey } from '../store/secrets';

/** Records an operator action in the audit trail; each adapter (CLI, API) says who and through what. */
export type AuditAction = (reason: string, accountId: number | null, details: Record<string, unknown>) => Promise<unknown>;

/** A password the operator hands over once; 16 characters of base64url (96 random bits). */
export function generatePassword(): string {
  return randomKey(12);
}

/** A portal login with the password it was given, when we made that password (shown once). */
export interface PasswordOutcome {
  user: PortalUser;
  generatedPassword: string | null;
}

/**
 * Issue #18 item 5: how an operator hands an account its API keys and portal logins. The CLI and
 * the operator API both call this, so each action is checked and audited the same way. A plain
 * key or a generated password is returned once and never stored or logged.
 */
export class AccountAccess {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditAction,
    /** security.rotationGraceSeconds, in ms: how long a rotated key keeps working. */
    private readonly rotationGraceMs: number,
  ) {}

  async issueKey(accountId: number, label: string): Promise<IssuedKey> {
    const issued = await this.store.apiKeys.create({ accountId, label });
    await this.audit('api_key_created', accountId, { keyId: issued.apiKey.id, prefix: issued.apiKey.prefix });
    return issued;
  }

  /** Null when no such key works any more (unknown, or already revoked). */
  async rotateKey(id: number): Promise<{ issued: IssuedKey; replaced: ApiKey } | null> {
    const rotated = await this.store.apiKeys.rotate(id, this.rotationGraceMs);
    if (rotated) {
      const { issued, replaced } = rotated;
      await this.audit('api_key_rotated', replaced.accountId, { keyId: replaced.id, newKeyId: issued.apiKey.id, oldKeyStopsAt: replaced.revokedAt });
    }
    return rotated;
  }

  /** The key as revoked; null when there is no such key; `alreadyRevoked` when it had stopped before. */
  async revokeKey(id: number): Promise<{ apiKey: ApiKey; alreadyRevoked: boolean } | null> {
    const revoked = await this.store.apiKeys.revoke(id);
    const apiKey = await this.store.apiKeys.findById(id);
    if (!apiKey) return null;
    if (revoked) await this.audit('api_key_revoked', apiKey.accountId, { keyId: id, prefix: apiKey.prefix });
    return { apiKey, alreadyRevoked: !revoked };
  }

  /** `password` null: one is generated and returned. */
  async createPortalUser(accountId: number, email: string, password: string | null): Promise<PasswordOutcome> {
    const chosen = password ?? generatePassword();
    const user = await this.store.portalUsers.create({ accountId, email, password: chosen });
    await this.audit('portal_user_created', accountId, { userId: user.id, email: user.email });
    return { user, generatedPassword: password === null ? chosen : null };
  }

  /** Ends the user's open sessions too. Null when there is no such user. */
  async resetPassword(userId: number, password: string | null): Promise<PasswordOutcome | null> {
    const chosen = password ?? generatePassword();
    if (!(await this.store.portalUsers.setPassword(userId, chosen))) return null;
    const user = await this.store.portalUsers.findById(userId);
    if (!user) return null;
    await this.audit('portal_password_reset', user.accountId, { userId, email: user.email });
    return { user, generatedPassword: password === null ? chosen : null };
  }

  /** Disabling ends the user's open sessions. Null when there is no such user. */
  async setPortalUserActive(userId: number, active: boolean): Promise<PortalUser | null> {
    if (!(await this.store.portalUsers.setActive(userId, active))) return null;
    const user = await this.store.portalUsers.findById(userId);
    if (user) await this.audit(active ? 'portal_user_enabled' : 'portal_user_disabled', user.accountId, { userId, email: user.email });
    return user;
  }
}

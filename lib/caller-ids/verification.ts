import { CODES_PER_NUMBER_WINDOW_MS, type VerificationSettings } from '../config/verification-schema';
import type { E164 } from '../domain/phone-number';
import type { Logger } from '../log/logger';
import type { Store } from '../store';
import type { CallerIdClaim } from '../store/caller-id-claims';
import type { CallerId } from '../store/caller-ids';
import { hashSecret } from '../store/secrets';
import type { Clock } from '../time/clock';
import { CODE_PATTERN, MASKED_CODE, newVerificationCode, verificationText } from './verification-code';

/** The way out to the number's phone: the SMS module's outbound queue (stored, then sent, with retries). */
export interface CodeSender {
  /** `text` goes to the phone; `shownText`, with the code masked, is what is stored, listed and logged. */
  send(sms: { to: string; from: string; text: string; shownText: string; accountId: number }): Promise<unknown>;
}

export interface CallerIdVerificationOptions {
  store: Pick<Store, 'callerIds' | 'callerIdClaims' | 'auditLog' | 'rateLimits'>;
  sender: CodeSender;
  clock: Clock;
  logger: Logger;
  settings: VerificationSettings;
}

/**
 * What a registration gets. `pending` is answered the same whether the number is new or held by
 * another account, so registering tells nobody whether a number is known (#15 item 8).
 */
export type Registration =
  | { kind: 'verified'; callerId: CallerId }
  | { kind: 'pending'; claim: CallerIdClaim }
  | { kind: 'too_soon'; retryAfterSeconds: number }
  | { kind: 'too_many' };

/**
 * Every failed check of a claim reads alike (wrong, expired, or beaten by another account), except
 * a lockout, which the claimant must be told to wait out. `no_claim`: the account has no claim on
 * the number (never made, withdrawn, or dropped because another account verified it first).
 */
export type Verification =
  | { ok: true; callerId: CallerId }
  | { ok: false; reason: 'failed' | 'no_claim' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/**
 * Caller-ID verification (#15 item 8): a number registered by a subscriber (portal, API, SMS)
 * becomes a CallerId, which authorizes calls and SMS and may be shown to others, only once the
 * code sent to it by SMS is typed back. Two accounts may claim one number; the first to type its
 * code wins and the other claims are dropped.
 *
 * A number another account has verified is claimed like any other, but no code is sent to it:
 * its holder is not pestered, the claimant cannot succeed, and the answers are the same as for a
 * fresh number, so nothing tells the claimant that the number is known.
 */
export class CallerIdVerification {
  constructor(private readonly options: CallerIdVerificationOptions) {}

  /** A subscriber's registration, or a new code for one already pending. */
  async register(accountId: number, number: E164, allowAuthorization: boolean): Promise<Registration> {
    const { store, logger } = this.options;
    const holder = await store.callerIds.findByNumber(number);
    if (holder?.accountId === accountId) return { kind: 'verified', callerId: holder };
    const code = newVerificationCode();
    const sent = await store.callerIdClaims.recordCode(
      { accountId, number, allowAuthorization, codeHash: await hashSecret(code), expiresAt: this.now() + this.settings.codeTtlMinutes * 60_000 },
      { minIntervalMs: this.settings.resendIntervalSeconds * 1000, maxSends: this.settings.maxCodesPerClaim },
    );
    if (sent.kind === 'too_soon') return { kind: 'too_soon', retryAfterSeconds: Math.max(1, Math.ceil(sent.retryAfterMs / 1000)) };
    if (sent.kind === 'too_many') return sent;
    // Per number, whoever claims it: withdrawing a claim and making it again must not reset the
    // spacing of codes, or registering could flood a stranger's phone. Counted for numbers held
    // elsewhere too, so the answers stay alike.
    const budget = await store.rateLimits.hit(`caller-id-code:${number}`, { limit: this.settings.codesPerNumberPerHour, windowMs: CODES_PER_NUMBER_WINDOW_MS });
    if (!budget.allowed) {
      logger.warn('caller ID code not sent: the number had its codes for this hour', { accountId });
      return { kind: 'too_soon', retryAfterSeconds: Math.max(1, Math.ceil(budget.retryAfterMs / 1000)) };
    }
    if (holder) {
      logger.info('caller ID claim on a number verified by another account: no code sent', { accountId, holderAccountId: holder.accountId });
    } else {
      const ttl = this.settings.codeTtlMinutes;
      await this.options.sender.send({ to: number, from: this.settings.smsFrom, text: verificationText(number, code, ttl), shownText: verificationText(number, MASKED_CODE, ttl), accountId });
    }
    await this.audit('caller_id_claimed', accountId, number, { codesSent: sent.claim.codesSent });
    return { kind: 'pending', claim: sent.claim };
  }

  /** Another code for a pending claim; null when the account has no claim on the number. */
  async resend(accountId: number, number: E164): Promise<Registration | null> {
    const claim = await this.options.store.callerIdClaims.find(accountId, number);
    if (!claim) return null;
    return this.register(accountId, number, claim.allowAuthorization);
  }

  async verify(accountId: number, number: E164, code: string): Promise<Verification> {
    const { store } = this.options;
    const policy = { maxAttempts: this.settings.maxAttempts, lockMs: this.settings.lockoutMinutes * 60_000 };
    // Not even compared unless it has the form of a code; still counted, like any guess.
    const check = await store.callerIdClaims.verify(accountId, number, CODE_PATTERN.test(code) ? code : '-', policy);
    if (check.ok) {
      await this.audit('caller_id_verified', accountId, number, {});
      return { ok: true, callerId: check.callerId };
    }
    await this.audit('caller_id_not_verified', accountId, number, { why: check.reason });
    if (check.reason === 'locked') return { ok: false, reason: 'locked', retryAfterSeconds: Math.max(1, Math.ceil((check.lockedUntil - this.now()) / 1000)) };
    return { ok: false, reason: check.reason === 'no_claim' ? 'no_claim' : 'failed' };
  }

  private get settings(): VerificationSettings {
    return this.options.settings;
  }

  private now(): number {
    return this.options.clock.now();
  }

  private async audit(reason: string, accountId: number, number: E164, details: Record<string, unknown>): Promise<void> {
    this.options.logger.info(`caller ID verification: ${reason}`, { accountId, ...details });
    await this.options.store.auditLog.record({ kind: 'caller_id', reason, caller: number, accountId, details });
  }
}

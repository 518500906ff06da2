import { z } from 'zod';
import { setting } from './setting-meta';

/*
 * #15 item 8: a number registered as a caller ID (portal, API, SMS #register) authorizes nothing
 * until the code we send it by SMS is typed back. Codes are 6 digits, stored hashed, expire, and
 * count wrong tries like PINs (a lockout after maxAttempts); how often codes are sent is limited,
 * so the feature cannot be used to flood a stranger's phone.
 */
export const verificationSchema = z
  .strictObject({
    smsFrom: setting(
      z
        .string()
        .regex(/^(\+?[0-9]{3,15}|[A-Za-z0-9 ]{1,11})$/)
        .default('callback'),
      'Sender the verification SMS shows: a number, or an alphanumeric name of at most 11 characters where the gateway allows one.',
      { allowed: 'a number (digits, optionally after +) or up to 11 letters, digits and spaces' },
    ),
    codeTtlMinutes: setting(z.number().int().min(1).max(1440).default(15), 'How long a verification code may be typed back.'),
    maxAttempts: setting(z.number().int().min(1).max(20).default(5), 'Wrong codes in a row before the claim is locked (only the right code clears the count).'),
    lockoutMinutes: setting(z.number().int().min(1).max(1440).default(30), 'How long that lockout lasts.'),
    resendIntervalSeconds: setting(z.number().int().min(10).max(3600).default(60), 'Least time between two codes sent for one claim.'),
    maxCodesPerClaim: setting(
      z.number().int().min(1).max(50).default(5),
      'Codes sent for one claim in all; beyond that the claim must be removed and made again.',
    ),
    codesPerNumberPerHour: setting(
      z.number().int().min(1).max(100).default(5),
      'Codes sent to one number per hour, whichever accounts claim it (counted in the database across instances): removing and registering a number again sends no more.',
    ),
    expiredClaimRetentionDays: setting(
      z.number().int().min(0).max(365).default(7),
      'Days an expired claim whose code was never typed back is kept (listed, and a new code can be asked for) before housekeeping deletes it; a locked claim is kept at least until its lockout ends.',
    ),
  })
  .prefault({});

/** The window of codesPerNumberPerHour (housekeeping keeps rate-limit windows at least this long). */
export const CODES_PER_NUMBER_WINDOW_MS = 3_600_000;

export type VerificationSettings = z.infer<typeof verificationSchema>;

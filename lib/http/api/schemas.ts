import { z } from 'zod';
import { CALLER_ID_POLICIES } from '../../callback/engine/caller-ids';
import { REQUEST_STATES } from '../../callback/state/request-state';
import { LIVE_STATUSES } from '../../callback/state/live-status';
import { ROUTE_POLICIES } from '../../routing/route-types';
import { MODES } from '../../store/callback-requests';
import { MONEY_BOUND_TEXT, isBoundedMinor } from '../../domain/money';
import { MIN_PASSWORD_LENGTH } from '../../store/portal-users';
import { ERROR_CODES } from './errors';

/*
 * The API's schemas: requests are validated with them, and the OpenAPI document is generated
 * from them. Numbers may be typed as E.164, 00… or national for the account's country; they
 * come back as E.164.
 */

const phoneInput = z.string().trim().min(1).max(32).meta({ description: 'E.164, 00…, or national for the account\'s country', example: '+12025550101' });
const e164 = z.string().meta({ description: 'E.164', example: '+12025550101' });
const epochMs = z.number().int().meta({ description: 'epoch milliseconds' });
const accountIdQuery = z.coerce.number().int().positive().optional().meta({ description: 'operator only: the account to act on' });

export const errorBody = z.object({
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), field: z.string().optional() }),
}).meta({ id: 'Error' });

export const orderBody = z
  .strictObject({
    accountId: z.number().int().positive().optional().meta({ description: 'operator only: the account that orders and pays' }),
    source: phoneInput.meta({ description: 'leg A: called first (source first mode)' }),
    destination: phoneInput.nullable().optional().meta({ description: 'leg B; null asks leg A for it (two-stage)' }),
    mode: z.enum(MODES).default('source_first'),
    at: z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })]).optional().meta({
      description:
        'when to call: ISO 8601; without an offset it is read in the account\'s time zone (a time its clocks skip for daylight saving time is refused). At most 365 days ahead; a minute or more past is refused. Default: now',
    }),
    callerIdPolicy: z.enum(CALLER_ID_POLICIES).optional().meta({ description: 'which caller ID each party sees' }),
    routingPolicy: z
      .enum(ROUTE_POLICIES)
      .optional()
      .meta({ description: 'which carrier each leg tries first: `cheapest` or `priority`; kept with the request, so its retries and a recovery route by it too. Default: the account\'s or the system\'s `routing.policy`' }),
    statusWebhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(1024)
      .optional()
      .meta({
        description:
          'receives signed status events of this request, one per change after the order; loopback, private, link-local and other local addresses are refused unless the operator allows them; user and password in the URL are sent as HTTP basic authentication and shown masked',
      }),
    idempotencyKey: z.string().min(1).max(128).optional().meta({ description: 'also accepted as the Idempotency-Key header' }),
  })
  .meta({ id: 'CallbackOrder' });

export const legView = z
  .object({
    uuid: z.string(),
    role: z.enum(['A', 'B', 'C']),
    attempt: z.number().int(),
    number: z.string(),
    status: z.enum(LIVE_STATUSES),
    createdAt: epochMs,
    answeredAt: epochMs.nullable(),
    endedAt: epochMs.nullable(),
    hangupCause: z.string().nullable(),
    billsec: z.number().int().nullable(),
    costMinor: z.number().int().nullable(),
  })
  .meta({ id: 'Leg' });

export const callbackView = z
  .object({
    id: z.string(),
    accountId: z.number().int(),
    trigger: z.string(),
    source: e164,
    destination: e164.nullable(),
    mode: z.enum(MODES),
    state: z.enum(REQUEST_STATES),
    dueAt: epochMs,
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastCause: z.string().nullable(),
    callerIdPolicy: z.string().nullable(),
    statusWebhookUrl: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .meta({ id: 'Callback' });

export const callbackDetail = callbackView
  .extend({ legs: z.array(legView), costMinor: z.number().int().meta({ description: 'sum of the legs\' costs so far' }) })
  .meta({ id: 'CallbackDetail' });

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  accountId: accountIdQuery,
});

export const callbackListQuery = pageQuery.extend({
  state: z
    .string()
    .optional()
    .meta({ description: 'comma-separated request states' })
    .refine((value) => value === undefined || value.split(',').every((s) => (REQUEST_STATES as readonly string[]).includes(s)), {
      message: `states are ${REQUEST_STATES.join(', ')}`,
    }),
});

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), limit: z.number().int(), offset: z.number().int(), nextOffset: z.number().int().nullable() }).meta({ id });

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });
export const numericIdParams = z.strictObject({ id: z.coerce.number().int().positive() });
export const numberParams = z.strictObject({ number: z.string().min(1).max(40).meta({ description: 'E.164 (URL-encode the +)' }) });
export const accountQuery = z.strictObject({ accountId: accountIdQuery });
/** A stored file's variant: the original (TIFF, WAV), or the PDF made from a fax. */
export const mediaFileQuery = z.strictObject({ format: z.enum(['pdf']).optional() });

export const phoneBookEntry = z
  .object({ name: z.string(), number: e164, createdAt: epochMs, updatedAt: epochMs })
  .meta({ id: 'PhoneBookEntry' });
export const phoneBookBody = z.strictObject({ name: z.string().trim().min(1).max(100), number: phoneInput, accountId: z.number().int().positive().optional() });
export const phoneBookRename = z.strictObject({ name: z.string().trim().min(1).max(100) });

export const callerIdView = z
  .object({
    number: e164,
    allowAuthorization: z.boolean(),
    rememberedAt: epochMs.nullable(),
    createdAt: epochMs,
    verified: z.boolean().meta({ description: 'false while the code sent to the number has not been typed back: the number authorizes nothing yet' }),
    verifiedAt: epochMs.nullable(),
    codeExpiresAt: epochMs.nullable().meta({ description: 'while not verified: until when the last code sent may be typed' }),
  })
  .meta({ id: 'CallerId' });
export const callerIdBody = z.strictObject({
  number: phoneInput,
  allowAuthorization: z.boolean().default(false).meta({ description: 'calls and SMS from this number act for the account, once verified' }),
  accountId: z.number().int().positive().optional(),
  verified: z.boolean().optional().meta({ description: 'operator only: the operator vouches for the number, no code is sent' }),
});
export const verifyBody = z.strictObject({
  code: z.string().trim().min(1).max(16).meta({ description: 'the 6-digit code sent to the number by SMS', example: '123456' }),
});
export const accountParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,9}$/, 'expected an account id') });
export const accountPatch = z.strictObject({
  freeSources: z.boolean().meta({ description: "orders may call any first party, not only the account's verified numbers" }),
});
export const accountSettingsView = z.object({ id: z.number().int(), name: z.string(), freeSources: z.boolean() }).meta({ id: 'AccountSettings' });
export const callerIdPatch = z.strictObject({ allowAuthorization: z.boolean() });

export const balanceView = z
  .object({
    currency: z.string(),
    balanceMinor: z.number().int(),
    creditLimitMinor: z.number().int(),
    reservedMinor: z.number().int(),
    availableMinor: z.number().int(),
  })
  .meta({ id: 'Balance' });

export const paymentView = z
  .object({ id: z.number().int(), amountMinor: z.number().int(), currency: z.string(), method: z.string(), reference: z.string().nullable(), createdAt: epochMs })
  .meta({ id: 'Payment' });
export const paymentBody = z.strictObject({
  accountId: z.number().int().positive(),
  amountMinor: z
    .number()
    .int()
    .refine((n) => n !== 0 && isBoundedMinor(n), `must be a non-zero whole number of minor units ${MONEY_BOUND_TEXT}`)
    .meta({ description: `negative for a refund or correction; the balance it leaves must also lie ${MONEY_BOUND_TEXT}` }),
  method: z.string().trim().min(1).max(32).default('api'),
  reference: z.string().max(128).optional(),
  allowNegative: z.boolean().default(false).meta({ description: 'let a negative payment take the account below its credit limit (balance + credit limit − held < 0)' }),
});

export const historyQuery = z.strictObject({
  from: z.coerce.number().int().nonnegative().optional().meta({ description: 'epoch ms, inclusive' }),
  to: z.coerce.number().int().nonnegative().optional().meta({ description: 'epoch ms, exclusive' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  accountId: accountIdQuery,
});
export const cdrView = z
  .object({
    legUuid: z.string(),
    requestId: z.string().nullable(),
    direction: z.string(),
    number: z.string(),
    startedAt: epochMs,
    answeredAt: epochMs.nullable(),
    endedAt: epochMs.nullable(),
    billsec: z.number().int(),
    hangupCause: z.string().nullable(),
    costMinor: z.number().int(),
  })
  .meta({ id: 'Cdr' });

export const adjustmentView = z
  .object({
    legUuid: z.string(),
    requestId: z.string().nullable(),
    reason: z.string().meta({ description: 'estimate_corrected: a leg settled from an estimate, corrected to the CDR FreeSWITCH posted' }),
    estimatedBillsec: z.number().int(),
    correctedBillsec: z.number().int(),
    estimatedCostMinor: z.number().int(),
    correctedCostMinor: z.number().int(),
    amountMinor: z.number().int().meta({ description: 'as moved on the account: positive charged, negative refunded' }),
    createdAt: epochMs,
  })
  .meta({ id: 'BillingAdjustment' });

export const discrepancyView = z
  .object({
    legUuid: z.string(),
    requestId: z.string().nullable(),
    kind: z.string().meta({ description: 'over_hold: the rated cost was more than the leg held; the hold was charged, the excess was not' }),
    source: z.string().meta({ description: 'what rated the leg: socket, json_cdr, estimate, correction' }),
    billsec: z.number().int(),
    holdMinor: z.number().int(),
    ratedCostMinor: z.number().int(),
    chargedMinor: z.number().int(),
    excessMinor: z.number().int().meta({ description: 'not charged; for the operator to decide on' }),
    createdAt: epochMs,
  })
  .meta({ id: 'BillingDiscrepancy' });

export const mediaView = z
  .object({
    id: z.number().int(),
    requestId: z.string().nullable(),
    bytes: z.number().int(),
    createdAt: epochMs,
    durationMs: z.number().int().optional(),
    pages: z.number().int().optional(),
    /** Faxes: whether spandsp received it, and whether a PDF can be downloaded (`?format=pdf`). */
    status: z.enum(['received', 'failed']).optional(),
    pdf: z.boolean().optional(),
  })
  .meta({ id: 'MediaFile' });

export const cancelResult = z.object({ cancelled: z.boolean(), callback: callbackView }).meta({ id: 'CancelResult' });

export const apiKeyView = z
  .object({
    id: z.number().int(),
    accountId: z.number().int().nullable().meta({ description: 'the account the key acts for; null for an operator key' }),
    operator: z.boolean().meta({ description: 'an operator key: it acts for the operator, not an account' }),
    prefix: z.string().meta({ description: "the key's first 8 characters, to tell keys apart; the key itself is never shown again" }),
    label: z.string(),
    createdAt: epochMs,
    revokedAt: epochMs.nullable().meta({ description: 'when the key stops (a rotated key in its grace period: later than now) or stopped working' }),
    lastUsedAt: epochMs.nullable().meta({ description: 'last request made with the key, to the minute' }),
  })
  .meta({ id: 'ApiKey' });
export const issuedKeyView = z
  .object({
    apiKey: apiKeyView,
    key: z.string().meta({ description: 'the key, shown this once: it is stored only as a hash' }),
    replaced: apiKeyView.optional().meta({ description: 'after a rotation: the old key, with when it stops working' }),
  })
  .meta({ id: 'IssuedApiKey' });
export const apiKeyBody = z.strictObject({ label: z.string().trim().max(100).default('').meta({ description: 'what the key is for, e.g. "billing system"' }) });

const newPassword = z
  .string()
  .min(MIN_PASSWORD_LENGTH)
  .max(200)
  .optional()
  .meta({ description: `at least ${MIN_PASSWORD_LENGTH} characters; omitted: one is generated and returned once` });
export const portalUserView = z
  .object({ id: z.number().int(), accountId: z.number().int(), email: z.string(), active: z.boolean(), createdAt: epochMs, lastLoginAt: epochMs.nullable() })
  .meta({ id: 'PortalUser' });
export const portalUserWithPassword = z
  .object({ user: portalUserView, password: z.string().optional().meta({ description: 'the generated password, shown this once' }) })
  .meta({ id: 'PortalUserWithPassword' });
export const portalUserBody = z.strictObject({ email: z.email().max(254), password: newPassword });
export const passwordBody = z.strictObject({ password: newPassword });
export const portalUserPatch = z.strictObject({ active: z.boolean().meta({ description: 'false: the user cannot log in, and their open sessions end' }) });

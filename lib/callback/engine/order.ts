import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { OrderRefusalCode } from '../../domain/order-refusal';
import { InvalidPhoneNumber, isE164, toE164, type E164 } from '../../domain/phone-number';
import { MODES, TRIGGERS, type CallbackRequest } from '../../store/callback-requests';
import { resolveFor, settingValues } from '../../settings';
import { ROUTE_POLICIES } from '../../routing/route-types';
import { CARRIER_NAME_PATTERN } from '../../store/carriers';
import { gatedByActiveForUsers } from '../policy/active-for-users';
import { firstPartyAllowed, firstPartyRefusal } from '../policy/first-party';
import { maxAttemptsFor } from '../policy/retry-policy';
import { CALLER_ID_POLICIES } from './caller-ids';
import { firstStateOf } from './first-state';
import type { EngineContext } from './context';
import type { TurnSlot } from './turn-budget';
import { extensionEndpointSchema } from './request-data';
import { writeWithFirstHolds, type WrittenOrder } from './written-order';

/** What every trigger (API, portal, SMS, access number, schedule, CLI) hands the engine. */
export const orderSchema = z
  .object({
    /** The owner; absent for a caller nobody could identify (A6: the operator's account pays leg A). */
    accountId: z.number().int().positive().optional(),
    trigger: z.enum(TRIGGERS).default('api'),
    /** Leg A's number, as typed: E.164, 00…, or national for the account's country. */
    source: z.string().trim().min(1).max(32),
    /** Leg B's number; null asks on leg A (two-stage, C2). */
    destination: z.string().trim().min(1).max(32).nullable().default(null),
    mode: z.enum(MODES).default('source_first'),
    /** Epoch ms; default now. */
    dueAt: z.number().int().nonnegative().optional(),
    idempotencyKey: z.string().min(1).max(128).optional(),
    callerIdPolicy: z.enum(CALLER_ID_POLICIES).optional(),
    retry: z
      .object({
        maxRetries: z.number().int().min(0).max(10).optional(),
        retryIntervalSeconds: z.number().int().min(5).max(3600).optional(),
      })
      .optional(),
    /** The order's own routing policy (#17): which carrier is tried first for each leg; default: the settings'. */
    routingPolicy: z.enum(ROUTE_POLICIES).optional(),
    /** The access DID the subscriber called (T1), for the caller ID of leg A. */
    accessNumber: z.string().refine(isE164, 'must be an E.164 number').optional(),
    /**
     * Leg A calls this user registered on the node instead of `source` (an access number's
     * call_extension method); `source` then names the access number, for the limits and reports.
     */
    extension: extensionEndpointSchema.optional(),
    /** The carrier (by name) that must carry leg A: the access number's `trunk` (issue #17.5). */
    trunk: z.string().regex(CARRIER_NAME_PATTERN, 'must be a carrier name: 1-64 letters, digits, _ . -').optional(),
    statusWebhookUrl: z.url({ protocol: /^https?$/ }).max(1024).optional(),
    /**
     * Placed by the subscriber (API key, portal, SMS): the source must then be one of the
     * account's verified numbers, unless the account has free sources (#15 item 5). The
     * operator's and the system's own orders leave it unset.
     */
    bySubscriber: z.boolean().default(false),
  })
  .refine((order) => order.mode !== 'simultaneous' || order.destination !== null, {
    message: 'simultaneous mode needs a destination: both legs are dialed at once',
    path: ['destination'],
  })
  // Leg A is bridged to B from its own session: an extension is dialed source first only.
  .refine((order) => order.mode === 'source_first' || order.extension === undefined, {
    message: 'an extension is called back source first only',
    path: ['mode'],
  });

export type CallbackOrder = z.input<typeof orderSchema>;

export interface OrderResult {
  readonly request: CallbackRequest;
  /** False when the idempotency key had been used: the earlier request is returned, nothing new is dialed. */
  readonly created: boolean;
}

/** The order cannot be taken as given; `issues` says why in English (the API's error body), `code` what any channel can say. */
export class InvalidOrder extends Error {
  constructor(
    readonly issues: string,
    readonly code: OrderRefusalCode = 'invalid_order',
  ) {
    super(`invalid callback order: ${issues}`);
    this.name = 'InvalidOrder';
  }
}

/** An order refused by a setting (#18 item 1: `activeForUsers`), not for its content; `code` says which. */
export class OrderRefused extends InvalidOrder {
  constructor(code: 'callback_disabled') {
    super(`callback is switched off for this account (the activeForUsers setting)`, code);
  }
}

/**
 * Validates, normalises the numbers, stores the request idempotently and schedules it. `turnSlot`:
 * the order's slot in the turn's budget (engine.order took one), handed to the dial it starts.
 */
export async function placeOrder(ctx: EngineContext, input: CallbackOrder, turnSlot?: TurnSlot): Promise<OrderResult> {
  const parsed = orderSchema.safeParse(input);
  if (!parsed.success) throw new InvalidOrder(z.prettifyError(parsed.error));
  const order = parsed.data;
  const accountId = order.accountId ?? ctx.operatorCallbackAccountId;
  const account = await ctx.store.accounts.findById(accountId);
  if (!account) throw new InvalidOrder(`account ${accountId} does not exist`, 'unknown_account');
  // Switched off is the first answer: nothing else about the order matters then.
  const accessDid = order.accessNumber === undefined ? null : (order.accessNumber as E164);
  const accessNumber = accessDid === null ? null : await ctx.store.accessNumbers.findByDid(accessDid);
  const ordered = order.retry?.maxRetries === undefined ? {} : { maxRetries: order.retry.maxRetries };
  const settings = settingValues(resolveFor(ctx.system, { account, accessNumber, request: ordered }, ctx.logger));
  if (!settings.activeForUsers && gatedByActiveForUsers(order.trigger)) throw new OrderRefused('callback_disabled');
  const country = (account.country ?? ctx.settings.defaultCountry) as CountryCode;
  const source = e164(order.source, country, 'source');
  const destination = order.destination === null ? null : e164(order.destination, country, 'destination');
  if (order.bySubscriber && !firstPartyAllowed(account, (await ctx.store.callerIds.findByNumber(source))?.accountId ?? null)) {
    throw new InvalidOrder(firstPartyRefusal(source), 'unverified_source');
  }
  const data: Record<string, unknown> = { unidentified: order.accountId === undefined };
  if (order.retry?.retryIntervalSeconds !== undefined) data.retryIntervalSeconds = order.retry.retryIntervalSeconds;
  if (order.routingPolicy !== undefined) data.routingPolicy = order.routingPolicy;
  if (order.accessNumber !== undefined) data.accessNumber = order.accessNumber;
  if (order.trunk !== undefined) data.trunk = order.trunk;
  if (order.extension !== undefined) data.extension = order.extension;

  const dueAt = order.dueAt ?? ctx.clock.now();
  // Due now, with a place free here: the row is inserted already claimed by this process, which
  // dials it at once (no claim UPDATE after the insert, no queue). Otherwise it waits for its job.
  const slot = ctx.scheduler.dialAtOnce?.(dueAt) ?? null;
  try {
    const planned = ctx.store.callbackRequests.plan({
      accountId,
      trigger: order.trigger,
      source,
      destination,
      mode: order.mode,
      dueAt,
      maxAttempts: maxAttemptsFor(settings.maxRetries),
      idempotencyKey: order.idempotencyKey ?? null,
      callerIdPolicy: order.callerIdPolicy ?? null,
      statusWebhookUrl: order.statusWebhookUrl ?? null,
      data,
      ...(slot ? { state: firstStateOf(ctx.settings, { mode: order.mode, destination }, ctx.clock.now()), claimedFor: slot.claim } : {}),
    });
    // Dialed at once: written with its first holds (written-order.ts).
    const written: WrittenOrder = slot ? await writeWithFirstHolds(ctx, planned, account) : await ctx.store.callbackRequests.write(planned);
    const { request, created, admission } = written;
    if (created) {
      // Also for a row inserted claimed: the events tell the same story either way (ordered, then due).
      ctx.events.emit('request', { requestId: request.id, accountId, from: null, to: 'queued', event: 'ordered', cause: null, at: ctx.clock.now() });
      await ctx.orderHandOffs.during(request.id, { account, slot: turnSlot, admission }, async () => {
        if (slot) slot.dial(request);
        else await ctx.scheduler.schedule(request.id, request.dueAt);
      });
    }
    return { request, created };
  } finally {
    // No row written by this order (a used idempotency key, a failed insert): the place is given back.
    slot?.release();
  }
}

function e164(input: string, country: CountryCode, field: string): E164 {
  try {
    return toE164(input, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) throw new InvalidOrder(`${field}: ${error.reason}`, 'invalid_number');
    throw error;
  }
}

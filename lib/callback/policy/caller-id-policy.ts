import type { CallbackSettings } from '../../config/callback-schema';
import { isE164, type E164 } from '../../domain/phone-number';
import type { CallbackTrigger } from '../../store/callback-requests';

/**
 * C3: the caller ID each leg presents. Leg A is the subscriber being called back, leg B the
 * destination. Each leg takes the first rule that applies and yields a valid E.164 number;
 * when none does the number is undefined and the gateway's default caller ID is used.
 *
 *   Leg A (what the subscriber sees)
 *     1. forward    forwardPartyNumbers and the destination is known  -> destination
 *     2. web_cid    sendSourceAsCid, a web/API callback, webCallbackCid set -> webCallbackCid
 *     3. fixed_cid  callbackCid set                                   -> callbackCid
 *     4. access     an access-number callback                         -> the DID the subscriber dialed
 *
 *   Leg B (what the destination sees)
 *     1. device     sendDeviceCid and the account has a device CID    -> device CID
 *     2. forward    forwardPartyNumbers, the source verified          -> source
 *     3. source     sendSourceAsCid, the source verified              -> source
 *
 * Why this order:
 *   - A: forwarding is the seed's web callback behaviour (the source's phone shows the number
 *     typed as destination) and is the most specific intent. webCallbackCid exists only for web
 *     callbacks with sendSourceAsCid (the settings screen shows it only then) and, being empty,
 *     falls back to callbackCid as the schema documents. Last, an access-number callback shows
 *     the DID just dialed, the one number the subscriber is sure to recognise.
 *   - B: the device CID is a number the account has proven it owns (A1), while the source of a
 *     web/API callback is whatever was typed, and in simultaneous mode has not even answered when
 *     B rings; so the device CID wins when both are on. Forwarding and "source as CID" show B the
 *     same number (leg A's); they differ only on leg A.
 *   - callbackCid is for leg A only: it exists so the subscriber recognises the callback; the
 *     destination is not calling anyone back.
 */
export type CallerIdOptions = Readonly<CallbackSettings['callerId']>;

export interface CallerIdInput {
  readonly options: CallerIdOptions;
  readonly trigger: CallbackTrigger;
  /** Leg A's number. */
  readonly source: E164;
  /**
   * Whether `source` is a verified number of the account (#15 item 8). Only then is it shown to
   * leg B: an operator's or free-source order may call any number first, and showing a number
   * nobody has shown to be theirs to a third party would be spoofing it.
   */
  readonly sourceVerified: boolean;
  /** Leg B's number; null while leg A has not chosen it yet. */
  readonly destination: E164 | null;
  /** The account's authorized caller ID (A1), if it has one. */
  readonly deviceCid: E164 | null;
  /** The access DID the subscriber called (T1), for access-number callbacks. */
  readonly accessNumber: E164 | null;
}

export type LegACallerIdRule = 'forward' | 'web_cid' | 'fixed_cid' | 'access' | 'gateway_default';
export type LegBCallerIdRule = 'device' | 'forward' | 'source' | 'gateway_default';

export interface PresentedCallerId<Rule extends string> {
  /** undefined: let the gateway present its default. */
  readonly number: E164 | undefined;
  /** Which rule chose the number, for logs and the live status page. */
  readonly rule: Rule;
}

export interface CallerIds {
  readonly legA: PresentedCallerId<LegACallerIdRule>;
  readonly legB: PresentedCallerId<LegBCallerIdRule>;
}

/** Triggers that are a "connect two numbers" order from the portal or the API (T3). */
const WEB_TRIGGERS: ReadonlySet<CallbackTrigger> = new Set<CallbackTrigger>(['web', 'api']);

type Candidate<Rule extends string> = readonly [Rule, boolean, string | null | undefined];

export function callerIdsFor(input: CallerIdInput): CallerIds {
  const { options, trigger } = input;
  return {
    legA: firstValid<LegACallerIdRule>([
      ['forward', options.forwardPartyNumbers, input.destination],
      ['web_cid', options.sendSourceAsCid && WEB_TRIGGERS.has(trigger), options.webCallbackCid],
      ['fixed_cid', true, options.callbackCid],
      ['access', trigger === 'access', input.accessNumber],
    ]),
    legB: firstValid<LegBCallerIdRule>([
      ['device', options.sendDeviceCid, input.deviceCid],
      ['forward', options.forwardPartyNumbers && input.sourceVerified, input.source],
      ['source', options.sendSourceAsCid && input.sourceVerified, input.source],
    ]),
  };
}

/*
 * Numbers are checked here even though their types say E.164: settings overridden per account
 * come from database rows, and a caller ID goes to the carrier verbatim.
 */
function firstValid<Rule extends string>(candidates: readonly Candidate<Rule>[]): PresentedCallerId<Rule | 'gateway_default'> {
  for (const [rule, enabled, number] of candidates) {
    if (enabled && typeof number === 'string' && isE164(number)) return { number, rule };
  }
  return { number: undefined, rule: 'gateway_default' };
}

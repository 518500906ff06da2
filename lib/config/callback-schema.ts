import { z } from 'zod';
import { isExtensionDomain } from '../domain/call-endpoint';
import { rejectCauseSchema, REJECT_CAUSE_ALLOWED } from './reject-causes';
import { setting } from './setting-meta';
import { COUNTRY_ALLOWED, countrySchema, E164_ALLOWED, e164Schema, PROMPT_ALLOWED, promptNameSchema } from './value-schemas';

/*
 * System-wide defaults of SPEC O3; access numbers and accounts override some of them, so the
 * names here are the ones their columns use.
 */

const CID_ALLOWED = `${E164_ALLOWED}, or null for none`;

/** C3; flat keys in the account and access-number overrides (lib/settings). */
export const callerIdFields = {
  sendDeviceCid: setting(z.boolean().default(false), "Present the subscriber's own device caller ID on leg B."),
  sendSourceAsCid: setting(z.boolean().default(false), 'Present the source number of a web/API callback as the caller ID.'),
  callbackCid: setting(e164Schema().nullable().default(null), 'Fixed caller ID presented on callback legs; null uses the carrier default.', {
    allowed: CID_ALLOWED,
  }),
  webCallbackCid: setting(e164Schema().nullable().default(null), 'Caller ID for web callbacks when sendSourceAsCid is set; null falls back to callbackCid.', {
    allowed: CID_ALLOWED,
  }),
  forwardPartyNumbers: setting(z.boolean().default(false), "Show each party the other party's number."),
};

const LANGUAGE_ALLOWED = 'a lowercase ISO 639 language code such as en or de';

/** The fields, so lib/settings can validate an account's or access number's override with the setting's own schema. */
export const callbackFields = {
  activeForUsers: setting(z.boolean().default(true), 'Whether subscribers may use callback at all.'),
  maxRetries: setting(z.number().int().min(0).max(10).default(2), 'Further attempts at a leg A that was busy, unanswered or failed.'),
  retryIntervalSeconds: setting(z.number().int().min(5).max(3600).default(60), 'Wait between two attempts at leg A.'),
  waitTimeSeconds: setting(z.number().int().min(5).max(300).default(30), 'Ring time of each leg before it counts as unanswered.'),
  callbackServer: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/)
      .default('any'),
    'FreeSWITCH node (by name) that places callback legs, or `any` to spread them over all nodes.',
    { allowed: '"any" or the name of a node in freeswitch.nodes' },
  ),
  busyIvr: setting(promptNameSchema().default(null), 'Prompt played on leg A when leg B is busy, before hanging up.', { allowed: PROMPT_ALLOWED }),
  failedIvr: setting(promptNameSchema().default(null), 'Prompt played on leg A when leg B cannot be reached, before hanging up.', {
    allowed: PROMPT_ALLOWED,
  }),
  callerId: z.strictObject(callerIdFields).prefault({}),
  rejectHangupCause: setting(rejectCauseSchema().default('USER_BUSY'), 'Cause an access call is refused with, unanswered so the caller pays nothing; a code is stored as its name.', {
    allowed: REJECT_CAUSE_ALLOWED,
  }),
  delaySeconds: setting(z.number().int().min(0).max(120).default(3), 'Pause between refusing the access call and calling back.'),
  digitTimeoutSeconds: setting(z.number().int().min(1).max(30).default(5), 'How long the IVR waits for the next digit.'),
  method: setting(
    z.enum(['call_to_caller', 'call_to_number', 'call_extension']).default('call_to_caller'),
    'Method of an access number added without one: the caller (ANI), a fixed number, or an extension.',
  ),
  extensionDomain: setting(
    z.string().refine(isExtensionDomain, 'must be a host name or IPv4 address').nullable().default(null),
    "Directory domain of an access number's call_extension target without `@domain` (leg A dials `user/<extension>@<domain>`); null dials `user/<extension>`, which FreeSWITCH resolves in the node's own default domain (its `domain` global, the node's IPv4 address in the vanilla configuration).",
    { allowed: 'a host name or IPv4 address, or null' },
  ),
  ringBeforeRejectSeconds: setting(
    z.number().int().min(0).max(30).default(0),
    'How long an access call rings (early media ringback) before it is refused, e.g. 10 for "two or three rings, then busy"; 0 refuses at once.',
  ),
  announceBalance: setting(z.boolean().default(true), "Leg A's IVR speaks the balance before asking the destination."),
  announceMaxDuration: setting(z.boolean().default(true), "Leg A's IVR speaks the longest talk the balance allows once the destination is known."),
  language: setting(z.string().regex(/^[a-z]{2,3}$/).default('en'), "Language of every prompt (leg A's IVR, busy/failed IVR, the engine's and the in-call features' prompts), of mod_say and of SMS replies. Prompts come from `<promptsDir>/<language>/`; one a language lacks (per `freeswitch.promptsList`) comes from the system value's folder, and an SMS text a language lacks is sent in English.", {
    allowed: LANGUAGE_ALLOWED,
  }),
  defaultCountry: setting(countrySchema().default('US'), 'Country used to read national numbers (no + or 00).', { allowed: COUNTRY_ALLOWED }),
  maxConcurrentPerAccount: setting(z.number().int().min(1).max(100).default(2), 'Callbacks one account may have in progress at once.'),
  pinMaxAttempts: setting(z.number().int().min(1).max(10).default(3), 'Wrong PINs in a row before the caller is locked out.'),
  pinLockoutMinutes: setting(z.number().int().min(1).max(1440).default(30), 'How long that lockout lasts.'),
  perCallerMax: setting(z.number().int().min(1).max(1000).default(5), 'Access-number callbacks one caller number may get within perCallerWindowMinutes.'),
  perCallerWindowMinutes: setting(z.number().int().min(1).max(1440).default(10), 'The window of perCallerMax, in minutes.'),
  perAccountMax: setting(z.number().int().min(1).max(10000).default(20), 'Access-number callbacks one account may get within perAccountWindowMinutes.'),
  perAccountWindowMinutes: setting(z.number().int().min(1).max(1440).default(10), 'The window of perAccountMax, in minutes.'),
};

export const callbackSchema = z.strictObject(callbackFields).prefault({});

export type CallbackSettings = z.infer<typeof callbackSchema>;

import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isIsoCurrency } from '../domain/currency';
import { setting } from './setting-meta';
import { COUNTRY_ALLOWED, countrySchema } from './value-schemas';

/*
 * Issue #18 item 5: subscribers may open an account themselves on the portal (`/signup`) when the
 * operator allows it. The account starts with no money and no free sources: its number is claimed
 * at sign-up and a code is sent to it, and nothing is called from it until that code is typed back
 * (#15 item 8). Tariffs are named, not numbered, so the same file works on every database.
 */
export const signUpSchema = z
  .strictObject({
    enabled: setting(z.boolean().default(false), 'Let visitors open an account themselves on the portal (`/signup`); off: the page does not exist.'),
    currency: setting(
      z.string().refine(isIsoCurrency, 'expected an ISO 4217 currency code such as USD').default('USD'),
      'Currency of accounts opened on the portal.',
      { allowed: 'an ISO 4217 currency code such as USD' },
    ),
    tariff: setting(z.string().min(1).max(100).optional(), 'Name of the retail tariff accounts opened on the portal get; unset: none (the operator sets one before they can call).'),
    callbackTariff: setting(z.string().min(1).max(100).optional(), 'Name of the callback tariff (leg A) accounts opened on the portal get; unset: none.'),
    timeZone: setting(
      z
        .string()
        .refine((zone) => IANAZone.isValidZone(zone), 'expected an IANA time zone such as Europe/Berlin')
        .default('UTC'),
      'IANA time zone of accounts opened on the portal (the subscriber can ask the operator to change it).',
      { allowed: 'an IANA time zone such as Europe/Berlin' },
    ),
    country: setting(countrySchema().optional(), 'Country of accounts opened on the portal, for their national numbers.', {
      allowed: COUNTRY_ALLOWED,
      defaultText: '`callback.defaultCountry`',
    }),
    perIpPerHour: setting(
      z.number().int().min(1).max(1000).default(5),
      'Sign-up attempts one client address may make per hour, counted in the database across instances; beyond it: 429 with Retry-After.',
    ),
  })
  .prefault({});

export type SignUpSettings = z.infer<typeof signUpSchema>;

/** The window of perIpPerHour (housekeeping keeps rate-limit windows at least this long). */
export const SIGN_UP_WINDOW_MS = 3_600_000;

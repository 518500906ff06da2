import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isIsoCurrency } from '../domain/currency';
import { isE164, type E164 } from '../domain/phone-number';
import { ratePrefixProblem } from '../domain/rate-prefix';
import { MONEY_BOUND_TEXT, MONEY_MAX_MINOR, RATE_PER_MINUTE_MAX_MICRO, isBoundedMinor, type MinorUnits } from '../domain/money';

/** Input refused at the store's boundary, before any row is written. */
export class InvalidStoreInput extends Error {
  constructor(
    readonly what: string,
    readonly issues: string,
  ) {
    super(`invalid ${what}: ${issues}`);
    this.name = 'InvalidStoreInput';
  }
}

/** `plain`: a check of the input's usual form that answers what the schema would, or undefined to let zod decide (plain-input.ts). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, plain?: (input: unknown) => z.output<S> | undefined): z.output<S> {
  const quick = plain?.(input);
  if (quick !== undefined) return quick;
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidStoreInput(what, z.prettifyError(result.error));
  return result.data;
}

export const e164Field = z.custom<E164>((value) => typeof value === 'string' && isE164(value), 'must be an E.164 number');
/** Every amount written is bounded (MONEY_MAX_MINOR), so no sum of them can stop being exact. */
export const minorField = z.custom<MinorUnits>((value) => isBoundedMinor(value), `must be whole minor units ${MONEY_BOUND_TEXT}`);
export const nonNegativeMinorField = z.custom<MinorUnits>(
  (value) => isBoundedMinor(value) && value >= 0,
  `must be whole minor units from 0 to ${MONEY_MAX_MINOR}`,
);
export const positiveMinorField = z.custom<MinorUnits>(
  (value) => isBoundedMinor(value) && value > 0,
  `must be whole minor units from 1 to ${MONEY_MAX_MINOR}`,
);
/** Micro-units (1/10000 of a minor unit) per minute. */
export const ratePerMinuteField = z
  .number()
  .int()
  .min(0)
  .max(RATE_PER_MINUTE_MAX_MICRO, `must be at most ${RATE_PER_MINUTE_MAX_MICRO} micro-units (${RATE_PER_MINUTE_MAX_MICRO / 1_000_000} in the major unit) per minute`);
export const idField = z.number().int().positive();
/** A request's or a leg's state name. */
export const stateField = z.string().min(1).max(32);
export const guidField = z.guid();
export const epochMsField = z.number().int().nonnegative();
/** A size or a length: a whole number from 0. */
export const wholeNumberField = z.number().int().nonnegative();
export const currencyField = z.string().refine(isIsoCurrency, 'must be an ISO 4217 currency code such as USD');
export const countryField = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as DE');
export const timeZoneField = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Berlin');
export const digitsField = z.string().regex(/^[0-9]{1,15}$/, 'must be 1 to 15 digits');
/** A rate's prefix: digits of a number, or `ext:` and digits of an extension (lib/domain/rate-prefix.ts). */
export const ratePrefixField = z.string().superRefine((text, ctx) => {
  const problem = ratePrefixProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
export const jsonObjectField = z.record(z.string(), z.unknown());

/** The write would break a uniqueness rule that the caller can do something about. */
export class StoreConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflict';
  }
}

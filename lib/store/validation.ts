import { IANAZone } from 'luxon';
import { z } from 'zod';
import { isE164, type E164 } from '../domain/phone-number';
import type { MinorUnits } from '../domain/money';

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

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidStoreInput(what, z.prettifyError(result.error));
  return result.data;
}

export const e164Field = z.custom<E164>((value) => typeof value === 'string' && isE164(value), 'must be an E.164 number');
export const minorField = z.custom<MinorUnits>(
  (value) => typeof value === 'number' && Number.isSafeInteger(value),
  'must be whole minor units',
);
export const nonNegativeMinorField = z.custom<MinorUnits>(
  (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
  'must be whole, non-negative minor units',
);
export const positiveMinorField = z.custom<MinorUnits>(
  (value) => typeof value === 'number' && Number.isSafeInteger(value) && value > 0,
  'must be whole, positive minor units',
);
export const idField = z.number().int().positive();
export const epochMsField = z.number().int().nonnegative();
export const currencyField = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD');
export const countryField = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as DE');
export const timeZoneField = z.string().refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Berlin');
export const digitsField = z.string().regex(/^[0-9]{1,15}$/, 'must be 1 to 15 digits');
export const jsonObjectField = z.record(z.string(), z.unknown());

/** The write would break a uniqueness rule that the caller can do something about. */
export class StoreConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflict';
  }
}

import { DateTime } from 'luxon';

/**
 * An instant typed by an operator, as epoch ms: a date (2027-01-01) or an ISO 8601 date and time,
 * read in UTC when it carries no offset, so the same text means the same instant on every
 * machine. Null when it is not such a text.
 */
export function parseUtcInstant(text: string): number | null {
  const parsed = DateTime.fromISO(text.trim(), { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : null;
}

export const UTC_INSTANT_EXAMPLE = 'a date such as 2027-01-01 or an instant such as 2027-01-01T08:00:00Z (read in UTC without an offset)';

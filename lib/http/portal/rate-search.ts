import type { Rate } from '../../store';

/** At most this many rates per tariff on the page; a search narrows a longer list. */
export const RATES_SHOWN = 300;

/**
 * The rates a subscriber's search finds. A number or prefix (digits, with `+`, `00`, spaces or
 * dashes) finds the rates that would price it (every prefix of it, longest first: the first row
 * is the one that applies) and the longer prefixes it starts; any other text finds destinations
 * by name. An empty search lists the tariff.
 */
export function searchRates(rates: readonly Rate[], query: string): { rates: Rate[]; more: boolean } {
  const text = query.trim();
  let found: Rate[];
  if (text === '') found = [...rates];
  else if (/^[+0-9][0-9 ()./-]*$/.test(text)) {
    const digits = text.replace(/\D/g, '').replace(/^00/, '');
    const pricing = rates.filter((r) => digits.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length);
    const longer = rates.filter((r) => r.prefix.startsWith(digits) && r.prefix !== digits).sort((a, b) => a.prefix.localeCompare(b.prefix));
    found = digits === '' ? [] : [...pricing, ...longer];
  } else {
    const words = text.toLowerCase();
    found = rates.filter((r) => r.description.toLowerCase().includes(words));
  }
  return { rates: found.slice(0, RATES_SHOWN), more: found.length > RATES_SHOWN };
}

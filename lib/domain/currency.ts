/**
 * ISO 4217 currency codes, from the ICU data Node ships (`Intl.supportedValuesOf('currency')`):
 * the list is kept current by ICU with each Node release instead of by us, and it holds only the
 * codes in use (no X-codes such as XTS or XXX, nor withdrawn ones), which is what an account, a
 * card or a tariff may be kept in. Read once: the list does not change while the process runs.
 */
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: unknown): code is string {
  return typeof code === 'string' && ISO_CURRENCIES.has(code);
}

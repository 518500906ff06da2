import type { CountryCode } from 'libphonenumber-js';
import { InvalidPhoneNumber, toE164, type E164 } from '../domain/phone-number';
import type { AccessNumber, Account, CallbackRequest, CallingCard, Carrier, Store, Tariff } from '../store';
import { invalid, notFound } from './errors';

/*
 * Turning what an operator types into rows: an account, tariff or carrier by id (digits) or by name, a
 * DID or card by its number, a request by id. A miss is exit code 3.
 */

const ID = /^\d+$/;

export async function findAccount(store: Store, ref: string): Promise<Account> {
  const account = ID.test(ref) ? await store.accounts.findById(Number(ref)) : await store.accounts.findByName(ref);
  if (!account) throw notFound(`account ${ref}`);
  return account;
}

export async function findTariff(store: Store, ref: string): Promise<Tariff> {
  const tariff = ID.test(ref) ? await store.tariffs.findTariffById(Number(ref)) : await store.tariffs.findTariffByName(ref);
  if (!tariff) throw notFound(`tariff ${ref}`);
  return tariff;
}

export async function findCarrier(store: Store, ref: string): Promise<Carrier> {
  const carrier = ID.test(ref) ? await store.carriers.get(Number(ref)) : await store.carriers.getByName(ref);
  if (!carrier) throw notFound(`carrier ${ref}`);
  return carrier;
}

export async function findAccessNumber(store: Store, did: string, country: CountryCode): Promise<AccessNumber> {
  const number = phoneNumber('did', did, country);
  const accessNumber = await store.accessNumbers.findByDid(number);
  if (!accessNumber) throw notFound(`access number ${number}`);
  return accessNumber;
}

export async function findCard(store: Store, number: string): Promise<CallingCard> {
  const card = await store.cards.findByNumber(number);
  if (!card) throw notFound(`calling card ${number}`);
  return card;
}

export async function findRequest(store: Store, id: string): Promise<CallbackRequest> {
  // A malformed id cannot exist; answering "not found" keeps the query well-formed on both engines.
  const request = /^[0-9a-f-]{36}$/i.test(id) ? await store.callbackRequests.findById(id.toLowerCase()) : null;
  if (!request) throw notFound(`callback request ${id}`);
  return request;
}

/** A number as typed (+…, 00…, or national for `country`) in E.164, or exit code 2 naming `field`. */
export function phoneNumber(field: string, input: string, country: CountryCode): E164 {
  try {
    return toE164(input, country);
  } catch (error) {
    if (error instanceof InvalidPhoneNumber) throw invalid(field, `${input} is not a valid number (${error.reason})`);
    throw error;
  }
}

/** The country national numbers are read in: the account's, else the system default. */
export function countryOf(account: Pick<Account, 'country'> | null, fallback: string): CountryCode {
  return (account?.country ?? fallback) as CountryCode;
}

import { z } from 'zod';
import type { E164 } from '../domain/phone-number';
import { isBoundedMinor, minorUnits, type MinorUnits } from '../domain/money';
import {
  Repository,
  bool,
  definedOnly,
  fromJson,
  insertedId,
  int,
  money,
  optE164,
  optInt,
  toJson,
  type DbBool,
  type DbInt,
  type EpochMs,
  type JsonObject,
  written,
} from './rows';
import {
  countryField,
  currencyField,
  e164Field,
  idField,
  jsonObjectField,
  nonNegativeMinorField,
  parseInput,
  positiveMinorField,
  timeZoneField,
  StoreConflict,
} from './validation';
import { preparedRows } from './prepared-statement';
import { isUniqueViolation } from './sql-errors';

export interface Account {
  id: number;
  name: string;
  balanceMinor: MinorUnits;
  creditLimitMinor: MinorUnits;
  /** Held by open reservations (B3); see ReservationsRepository. */
  reservedMinor: MinorUnits;
  currency: string;
  timeZone: string;
  language: string;
  /** ISO 3166 alpha-2, for numbers the subscriber types in national form. */
  country: string | null;
  maxConcurrentCallbacks: number;
  tariffId: number | null;
  callbackTariffId: number | null;
  /** The predefined number for "call to number" and for calls to the account's own DID (A3). */
  callbackNumber: E164 | null;
  /** O3 setting overrides for this account; their shape is the config module's business. */
  settings: JsonObject;
  /** Item 5 of #15: orders may call any first party, not only the account's verified numbers (the operator's choice). */
  freeSources: boolean;
  active: boolean;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** An account row whose money columns no write path of ours could have produced (see listChecked). */
export interface UnreadableAccount {
  id: number;
  name: string;
  /** Each bad column with the value it holds, e.g. `balance_minor = 9007199254740993`. */
  problems: string[];
}

export interface AccountBalance {
  balanceMinor: MinorUnits;
  creditLimitMinor: MinorUnits;
  reservedMinor: MinorUnits;
  /** balance + credit limit − reserved: what a new reservation may take. */
  availableMinor: MinorUnits;
}

export interface AccountRow {
  id: DbInt;
  name: string;
  balance_minor: DbInt;
  credit_limit_minor: DbInt;
  reserved_minor: DbInt;
  currency: string;
  time_zone: string;
  language: string;
  country: string | null;
  max_concurrent_callbacks: DbInt;
  tariff_id: DbInt | null;
  callback_tariff_id: DbInt | null;
  callback_number: string | null;
  settings_json: string | null;
  free_sources: DbBool;
  active: DbBool;
  created_at: DbInt;
  updated_at: DbInt;
}

const accountFields = z.object({
  name: z.string().trim().min(1).max(100),
  currency: currencyField,
  creditLimitMinor: nonNegativeMinorField,
  timeZone: timeZoneField,
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or de'),
  country: countryField.nullable(),
  maxConcurrentCallbacks: z.number().int().min(1).max(1000),
  tariffId: idField.nullable(),
  callbackTariffId: idField.nullable(),
  callbackNumber: e164Field.nullable(),
  settings: jsonObjectField,
  freeSources: z.boolean(),
  active: z.boolean(),
});

const newAccountSchema = accountFields.partial().required({ name: true, currency: true });
/** The currency is fixed once money has moved in it. */
const accountPatchSchema = accountFields.omit({ currency: true }).partial();

export type NewAccount = z.input<typeof newAccountSchema>;
export type AccountPatch = z.input<typeof accountPatchSchema>;

const MONEY_COLUMNS = ['balance_minor', 'credit_limit_minor', 'reserved_minor'] as const;

export function toAccount(row: AccountRow): Account {
  return {
    id: int(row.id),
    name: row.name,
    balanceMinor: money(row.balance_minor),
    creditLimitMinor: money(row.credit_limit_minor),
    reservedMinor: money(row.reserved_minor),
    currency: row.currency,
    timeZone: row.time_zone,
    language: row.language,
    country: row.country,
    maxConcurrentCallbacks: int(row.max_concurrent_callbacks),
    tariffId: optInt(row.tariff_id),
    callbackTariffId: optInt(row.callback_tariff_id),
    callbackNumber: optE164(row.callback_number),
    settings: fromJson(row.settings_json),
    freeSources: bool(row.free_sources),
    active: bool(row.active),
    createdAt: int(row.created_at),
    updatedAt: int(row.updated_at),
  };
}

function accountColumns(fields: Partial<z.output<typeof accountFields>>) {
  return definedOnly({
    name: fields.name,
    currency: fields.currency,
    credit_limit_minor: fields.creditLimitMinor,
    time_zone: fields.timeZone,
    language: fields.language,
    country: fields.country,
    max_concurrent_callbacks: fields.maxConcurrentCallbacks,
    tariff_id: fields.tariffId,
    callback_tariff_id: fields.callbackTariffId,
    callback_number: fields.callbackNumber,
    settings_json: fields.settings === undefined ? undefined : toJson(fields.settings),
    free_sources: fields.freeSources,
    active: fields.active,
  });
}

export class AccountsRepository extends Repository {
  /** Accounts start with a zero balance: money arrives as a recorded payment (B5). */
  async create(input: NewAccount): Promise<Account> {
    const fields = parseInput(newAccountSchema, input, 'account');
    const now = this.clock();
    let id: number;
    try {
      id = insertedId(
        await this.writing('account', () =>
          this.db('accounts').insert({
            time_zone: 'UTC',
            language: 'en',
            max_concurrent_callbacks: 2,
            active: true,
            ...accountColumns(fields),
            balance_minor: 0,
            reserved_minor: 0,
            created_at: now,
            updated_at: now,
          }),
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflict(`account ${JSON.stringify(input.name)} already exists`);
      throw error;
    }
    return written(await this.findById(id), `account ${id}`);
  }

  async findById(id: number): Promise<Account | null> {
    // The id is the key: no limit, whose binding would be knex's, not ours.
    const [row] = await preparedRows<AccountRow, { where: { id: number } }>(this.db, 'accounts.byId', { where: { id } }, (db, values) => db('accounts').where(values.where));
    return row ? toAccount(row) : null;
  }

  async findByName(name: string): Promise<Account | null> {
    const row = await this.db<AccountRow>('accounts').where({ name }).first();
    return row ? toAccount(row) : null;
  }

  async list(options: { activeOnly?: boolean } = {}): Promise<Account[]> {
    const query = this.db<AccountRow>('accounts').orderBy('id');
    if (options.activeOnly) query.where({ active: true });
    return (await query).map(toAccount);
  }

  /**
   * Like list, but a row holding money beyond MONEY_MAX_MINOR (written before the bound existed,
   * or by hand) is reported rather than thrown, so one bad row neither hides the others nor makes
   * the listing fail.
   */
  async listChecked(options: { activeOnly?: boolean } = {}): Promise<{ accounts: Account[]; unreadable: UnreadableAccount[] }> {
    const query = this.db<AccountRow>('accounts').orderBy('id');
    if (options.activeOnly) query.where({ active: true });
    const accounts: Account[] = [];
    const unreadable: UnreadableAccount[] = [];
    for (const row of await query) {
      const problems = MONEY_COLUMNS.filter((column) => !isBoundedMinor(Number(row[column]))).map((column) => `${column} = ${String(row[column])}`);
      if (problems.length === 0) accounts.push(toAccount(row));
      else unreadable.push({ id: int(row.id), name: row.name, problems });
    }
    return { accounts, unreadable };
  }

  /** Returns the updated account, or null when there is no such account. */
  async update(id: number, patch: AccountPatch): Promise<Account | null> {
    const columns = accountColumns(parseInput(accountPatchSchema, patch, 'account change'));
    const changed = await this.writing('account change', () =>
      this.db('accounts').where({ id }).update({ ...columns, updated_at: this.clock() }),
    );
    return changed === 0 ? null : this.findById(id);
  }

  /**
   * Takes `amount` off the balance outright: a cost nothing was held for (a leg rated without a
   * reservation, B4). It may take the balance below zero; holds, not charges, keep calls within
   * the funds. False when there is no such account.
   */
  async charge(accountId: number, amount: MinorUnits): Promise<boolean> {
    const id = parseInput(idField, accountId, 'account id');
    const cost = parseInput(positiveMinorField, amount, 'charge');
    const changed = await this.db('accounts')
      .where({ id })
      .update({ balance_minor: this.db.raw('balance_minor - ?', [cost]), updated_at: this.clock() });
    return changed > 0;
  }

  async balance(id: number): Promise<AccountBalance | null> {
    const account = await this.findById(id);
    if (!account) return null;
    const { balanceMinor, creditLimitMinor, reservedMinor } = account;
    return { balanceMinor, creditLimitMinor, reservedMinor, availableMinor: availableMinorOf(account) };
  }
}

/** balance + credit limit − held: what a new reservation of the account may take (as of the row's read). */
export function availableMinorOf(account: Pick<Account, 'balanceMinor' | 'creditLimitMinor' | 'reservedMinor'>): MinorUnits {
  return minorUnits(account.balanceMinor + account.creditLimitMinor - account.reservedMinor);
}

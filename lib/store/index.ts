import type { Knex } from 'knex';
import { AccessNumbersRepository } from './access-numbers';
import { AccountsRepository } from './accounts';
import { ApiKeysRepository } from './api-keys';
import { AuditLogRepository } from './audit-log';
import { BillingAdjustmentsRepository } from './billing-adjustments';
import { CallbackRequestsRepository } from './callback-requests';
import { CallerIdClaimsRepository } from './caller-id-claims';
import { CallerIdsRepository } from './caller-ids';
import { CardsRepository } from './cards';
import { BuyRatesRepository } from './carrier-rates';
import { CarriersRepository } from './carriers';
import { CdrsRepository } from './cdrs';
import { inDriverTransaction, type TransactionOptions } from './driver-transaction';
import { FreeswitchCdrsRepository } from './freeswitch-cdrs';
import { LegsRepository } from './legs';
import { FaxesRepository, RecordingsRepository } from './media-files';
import { PaymentsRepository } from './payments';
import { PhoneBookRepository } from './phone-book';
import { PinsRepository } from './pins';
import { PortalUsersRepository } from './portal-users';
import { RateLimitWindowsRepository } from './rate-limit-windows';
import { ReservationsRepository } from './reservations';
import type { Clock, Repository } from './rows';
import { BillingDiscrepanciesRepository } from './billing-discrepancies';
import { SmsMessagesRepository } from './sms-messages';
import { TariffsRepository } from './tariffs-rates';

/** Every repository of the store, by the name a Store answers it under. */
const REPOSITORIES = {
  accounts: AccountsRepository,
  callerIds: CallerIdsRepository,
  callerIdClaims: CallerIdClaimsRepository,
  pins: PinsRepository,
  accessNumbers: AccessNumbersRepository,
  cards: CardsRepository,
  tariffs: TariffsRepository,
  carriers: CarriersRepository,
  buyRates: BuyRatesRepository,
  callbackRequests: CallbackRequestsRepository,
  legs: LegsRepository,
  cdrs: CdrsRepository,
  freeswitchCdrs: FreeswitchCdrsRepository,
  billingAdjustments: BillingAdjustmentsRepository,
  billingDiscrepancies: BillingDiscrepanciesRepository,
  reservations: ReservationsRepository,
  payments: PaymentsRepository,
  phoneBook: PhoneBookRepository,
  recordings: RecordingsRepository,
  faxes: FaxesRepository,
  smsMessages: SmsMessagesRepository,
  apiKeys: ApiKeysRepository,
  auditLog: AuditLogRepository,
  portalUsers: PortalUsersRepository,
  rateLimits: RateLimitWindowsRepository,
} satisfies Record<string, new (db: Knex, clock: Clock) => Repository>;

type RepositoryName = keyof typeof REPOSITORIES;

export type Store = { readonly db: Knex } & { readonly [Name in RepositoryName]: InstanceType<(typeof REPOSITORIES)[Name]> };

/**
 * The repositories of a Store, each built the first time it is asked for: a transaction
 * (inTransaction) uses two or three of the 25, and building all of them for each one was about
 * 1.4 % of a callback's CPU (issue #20).
 */
class RepositoriesOn {
  private readonly built = new Map<RepositoryName, Repository>();

  constructor(
    readonly db: Knex,
    private readonly clock: Clock,
  ) {}

  repository(name: RepositoryName): Repository {
    let repository = this.built.get(name);
    if (repository === undefined) {
      repository = new REPOSITORIES[name](this.db, this.clock);
      this.built.set(name, repository);
    }
    return repository;
  }
}

for (const name of Object.keys(REPOSITORIES) as RepositoryName[]) {
  Object.defineProperty(RepositoriesOn.prototype, name, {
    get(this: RepositoriesOn) {
      return this.repository(name);
    },
  });
}

/** Every repository on one Knex (or one transaction: see inTransaction). */
export function createStore(db: Knex, clock: Clock = Date.now): Store {
  return new RepositoriesOn(db, clock) as unknown as Store;
}

/** Runs `work` with repositories bound to one transaction: all of its writes land, or none. `options`: see inDriverTransaction. */
export function inTransaction<T>(db: Knex, work: (store: Store) => Promise<T>, clock: Clock = Date.now, options?: TransactionOptions): Promise<T> {
  return inDriverTransaction(db, (trx) => work(createStore(trx, clock)), options);
}

export { asLastStatement, type TransactionOptions } from './driver-transaction';
export { openDatabase, migrateToLatest, rollbackAll, pendingMigrations, isMysql } from './database';
export type { DatabaseSettings } from './database-settings';
export { InvalidStoreInput, StoreConflict } from './validation';
export { CorruptRow, type Clock, type EpochMs, type JsonObject } from './rows';
export * from './access-numbers';
export * from './accounts';
export * from './api-keys';
export * from './audit-log';
export * from './billing-adjustments';
export * from './callback-requests';
export * from './caller-id-claims';
export * from './caller-ids';
export * from './cards';
export * from './carrier-rates';
export * from './carriers';
export * from './cdrs';
export * from './billing-discrepancies';
export * from './freeswitch-cdrs';
export * from './legs';
export * from './media-files';
export * from './payments';
export * from './phone-book';
export * from './pins';
export * from './portal-users';
export * from './rate-limit-windows';
export * from './reservations';
export * from './sms-messages';
export * from './tariffs-rates';

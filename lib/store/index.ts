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
import { FreeswitchCdrsRepository } from './freeswitch-cdrs';
import { LegsRepository } from './legs';
import { FaxesRepository, RecordingsRepository } from './media-files';
import { PaymentsRepository } from './payments';
import { PhoneBookRepository } from './phone-book';
import { PinsRepository } from './pins';
import { PortalUsersRepository } from './portal-users';
import { RateLimitWindowsRepository } from './rate-limit-windows';
import { ReservationsRepository } from './reservations';
import type { Clock } from './rows';
import { BillingDiscrepanciesRepository } from './billing-discrepancies';
import { SmsMessagesRepository } from './sms-messages';
import { TariffsRepository } from './tariffs-rates';

export interface Store {
  db: Knex;
  accounts: AccountsRepository;
  callerIds: CallerIdsRepository;
  callerIdClaims: CallerIdClaimsRepository;
  pins: PinsRepository;
  accessNumbers: AccessNumbersRepository;
  cards: CardsRepository;
  tariffs: TariffsRepository;
  carriers: CarriersRepository;
  buyRates: BuyRatesRepository;
  callbackRequests: CallbackRequestsRepository;
  legs: LegsRepository;
  cdrs: CdrsRepository;
  freeswitchCdrs: FreeswitchCdrsRepository;
  billingAdjustments: BillingAdjustmentsRepository;
  billingDiscrepancies: BillingDiscrepanciesRepository;
  reservations: ReservationsRepository;
  payments: PaymentsRepository;
  phoneBook: PhoneBookRepository;
  recordings: RecordingsRepository;
  faxes: FaxesRepository;
  smsMessages: SmsMessagesRepository;
  apiKeys: ApiKeysRepository;
  auditLog: AuditLogRepository;
  portalUsers: PortalUsersRepository;
  rateLimits: RateLimitWindowsRepository;
}

/** Every repository on one Knex (or one transaction: see inTransaction). */
export function createStore(db: Knex, clock: Clock = Date.now): Store {
  return {
    db,
    accounts: new AccountsRepository(db, clock),
    callerIds: new CallerIdsRepository(db, clock),
    callerIdClaims: new CallerIdClaimsRepository(db, clock),
    pins: new PinsRepository(db, clock),
    accessNumbers: new AccessNumbersRepository(db, clock),
    cards: new CardsRepository(db, clock),
    tariffs: new TariffsRepository(db, clock),
    carriers: new CarriersRepository(db, clock),
    buyRates: new BuyRatesRepository(db, clock),
    callbackRequests: new CallbackRequestsRepository(db, clock),
    legs: new LegsRepository(db, clock),
    cdrs: new CdrsRepository(db, clock),
    freeswitchCdrs: new FreeswitchCdrsRepository(db, clock),
    billingAdjustments: new BillingAdjustmentsRepository(db, clock),
    billingDiscrepancies: new BillingDiscrepanciesRepository(db, clock),
    reservations: new ReservationsRepository(db, clock),
    payments: new PaymentsRepository(db, clock),
    phoneBook: new PhoneBookRepository(db, clock),
    recordings: new RecordingsRepository(db, clock),
    faxes: new FaxesRepository(db, clock),
    smsMessages: new SmsMessagesRepository(db, clock),
    apiKeys: new ApiKeysRepository(db, clock),
    auditLog: new AuditLogRepository(db, clock),
    portalUsers: new PortalUsersRepository(db, clock),
    rateLimits: new RateLimitWindowsRepository(db, clock),
  };
}

/** Runs `work` with repositories bound to one transaction: all of its writes land, or none. */
export function inTransaction<T>(db: Knex, work: (store: Store) => Promise<T>, clock: Clock = Date.now): Promise<T> {
  return db.transaction((trx) => work(createStore(trx, clock)));
}

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

import type { Knex } from 'knex';
import { minorUnits } from '../../lib/domain/money';
import type { E164 } from '../../lib/domain/phone-number';
import { OPERATOR_ACCOUNT_NAME } from '../../lib/service/operator-account';
import { EVERY_NODE, inTransaction, type Store } from '../../lib/store';
import type { NewRate, Tariff, TariffKind } from '../../lib/store/tariffs-rates';

/*
 * Demo data for a first start on an empty database, so the simulator, the portal and the CLI
 * have something to work with. Each piece is looked up before it is created, so running this
 * again (or after a partial manual cleanup) changes nothing that exists; and it all runs in one
 * transaction, so a failure leaves nothing half-seeded.
 */

export const DEMO = {
  accountName: 'Demo',
  operatorAccountName: OPERATOR_ACCOUNT_NAME,
  callerId: '+12125550100' as E164,
  pin: '1234',
  accessNumber: '+12125550000' as E164,
  retailTariff: 'Demo retail',
  callbackTariff: 'Demo callback',
  startingBalanceMinor: minorUnits(1000),
  /** The web portal's demo login (W5). */
  portalEmail: 'demo@example.com',
  portalPassword: 'demo-password',
  /** Reached through the simulator's gateway `carrier` on every node. */
  carrier: 'demo',
  carrierGateway: 'carrier',
} as const;

// Micro-units per minute (1/10000 of a cent): 0.0100 USD/min = 1 cent = 10000.
const RETAIL_RATES: NewRate[] = [
  { prefix: '1', description: 'USA and Canada', ratePerMinute: 10_000, incrementFirstSeconds: 60, incrementNextSeconds: 60 },
  { prefix: '44', description: 'United Kingdom', ratePerMinute: 20_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 },
  { prefix: '49', description: 'Germany', ratePerMinute: 15_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 },
];

/**
 * The rest of the world, below the countries above (the longest prefix wins): every country code
 * starts with a digit 1–9, so with these a demo callback reaches any number, as the README says.
 */
const WORLD_RATES: NewRate[] = ['2', '3', '4', '5', '6', '7', '8', '9'].map((prefix) => ({
  prefix,
  description: 'Rest of the world',
  ratePerMinute: 50_000,
  incrementFirstSeconds: 60,
  incrementNextSeconds: 60,
}));

// Where a leg A may be dialed (A6) and what it costs.
const CALLBACK_RATES: NewRate[] = [
  { prefix: '1', description: 'USA and Canada', ratePerMinute: 8_000, incrementFirstSeconds: 60, incrementNextSeconds: 60 },
  { prefix: '49', description: 'Germany', ratePerMinute: 12_000, incrementFirstSeconds: 30, incrementNextSeconds: 6 },
];

/** What the demo carrier charges us: below the retail rates, so a demo call shows a margin. */
const BUY_RATES: NewRate[] = [
  { prefix: '1', description: 'USA and Canada', ratePerMinute: 5_000, incrementFirstSeconds: 6, incrementNextSeconds: 6 },
  { prefix: '44', description: 'United Kingdom', ratePerMinute: 9_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 },
  { prefix: '49', description: 'Germany', ratePerMinute: 7_000, incrementFirstSeconds: 1, incrementNextSeconds: 1 },
  ...['2', '3', '4', '5', '6', '7', '8', '9'].map((prefix) => ({ prefix, description: 'Rest of the world', ratePerMinute: 25_000 })),
];

export interface SeedResult {
  accountId: number;
  /** False when the demo account was already there. */
  created: boolean;
}

export interface SeedOptions {
  /** Rate every destination in the retail tariff (default); tests of unrated destinations turn it off. */
  worldRates?: boolean;
}

export function seedDemo(db: Knex, options: SeedOptions = {}): Promise<SeedResult> {
  return inTransaction(db, async (store) => {
    const retail = await tariff(store, DEMO.retailTariff, 'retail', options.worldRates === false ? RETAIL_RATES : [...RETAIL_RATES, ...WORLD_RATES]);
    const callback = await tariff(store, DEMO.callbackTariff, 'callback', CALLBACK_RATES);

    let account = await store.accounts.findByName(DEMO.accountName);
    const created = account === null;
    if (!account) {
      account = await store.accounts.create({
        name: DEMO.accountName,
        currency: 'USD',
        creditLimitMinor: minorUnits(0),
        timeZone: 'America/New_York',
        language: 'en',
        country: 'US',
        tariffId: retail.id,
        callbackTariffId: callback.id,
      });
      await store.payments.record({
        accountId: account.id,
        amountMinor: DEMO.startingBalanceMinor,
        currency: 'USD',
        method: 'seed',
        operator: 'seed',
      });
    }
    if (!(await store.callerIds.findByNumber(DEMO.callerId))) {
      await store.callerIds.add({ accountId: account.id, number: DEMO.callerId, allowAuthorization: true });
    }
    if (!(await store.pins.find({ accountId: account.id }))) {
      await store.pins.set({ accountId: account.id }, DEMO.pin);
    }
    if (!(await store.accounts.findByName(DEMO.operatorAccountName))) {
      // Pays leg A of callers nobody could identify (A6); a large credit limit stands for the
      // operator's own line of credit with its carriers.
      await store.accounts.create({
        name: DEMO.operatorAccountName,
        currency: 'USD',
        creditLimitMinor: minorUnits(100_000_000),
        timeZone: 'UTC',
        language: 'en',
        country: 'US',
        tariffId: retail.id,
        callbackTariffId: callback.id,
      });
    }
    if (!(await store.portalUsers.findByEmail(DEMO.portalEmail))) {
      await store.portalUsers.create({ accountId: account.id, email: DEMO.portalEmail, password: DEMO.portalPassword });
    }
    if (!(await store.accessNumbers.findByDid(DEMO.accessNumber))) {
      await store.accessNumbers.create({ did: DEMO.accessNumber, method: 'call_to_caller', authMode: 'ani' });
    }
    await demoCarrier(store);
    return { accountId: account.id, created };
  });
}

/** The carrier a fresh clone calls out through; an existing one is left as the operator made it. */
async function demoCarrier(store: Store): Promise<void> {
  if (await store.carriers.getByName(DEMO.carrier)) return;
  const carrier = await store.carriers.create({ name: DEMO.carrier, currency: 'USD' });
  await store.carriers.setGateway(carrier.id, { node: EVERY_NODE, gateway: DEMO.carrierGateway });
  await store.buyRates.importRates(carrier.id, BUY_RATES, { effectiveFrom: 0 });
}

/**
 * The tariff, created with `rates`; an existing one only gets the prefixes it lacks, so a demo
 * database from an older version gains new demo rates while rates an operator changed stay.
 */
async function tariff(store: Store, name: string, kind: TariffKind, rates: NewRate[]): Promise<Tariff> {
  const found = await store.tariffs.findTariffByName(name);
  const target = found ?? (await store.tariffs.createTariff({ name, currency: 'USD', kind }));
  const present = new Set((await store.tariffs.listRates(target.id)).map((rate) => rate.prefix));
  const missing = rates.filter((rate) => !present.has(rate.prefix));
  if (missing.length > 0) await store.tariffs.importRates(target.id, missing);
  return target;
}

import type { Knex } from 'knex';
import { CallbackEngine, type EngineTelephony } from '../../../lib/callback/engine';
import { defaultSettings } from '../../../lib/config';
import { minorUnits } from '../../../lib/domain/money';
import { apiRouter, API_PREFIX, type ApiDependencies } from '../../../lib/http/api/router';
import { createHttpApp } from '../../../lib/http/app';
import { testLogger } from '../../../lib/log/logger';
import { createStore, DUE_STATES, type Account, type Store } from '../../../lib/store';
import { sha256Hex } from '../../../lib/store/secrets';
import { ManualClock } from '../../../lib/time/clock';
import { accountWithBalance } from '../../store/fixtures';
import type { Express } from 'express';

export const OPERATOR_KEY = 'operator-key-for-tests-0123456789';

/** Telephony that must never be reached: these tests only order, never dial. */
const noTelephony: EngineTelephony = {
  socketAddress: { host: '127.0.0.1', port: 1 },
  gateway: 'none',
  pickNode: () => 'none',
  originate: () => Promise.reject(new Error('no telephony in API tests')),
  api: () => Promise.reject(new Error('no telephony in API tests')),
  onEvent: () => () => undefined,
};

export interface ApiFixture {
  app: Express;
  store: Store;
  clock: ManualClock;
  engine: CallbackEngine;
  /** Requests handed to the scheduler, in order. */
  scheduled: Array<{ requestId: string; dueAt: number }>;
  /** A fresh account (US numbers, time zone Europe/Berlin) with its own API key. */
  account(balance?: number): Promise<{ account: Account; key: string }>;
}

/** The API over a real engine and database, with a scheduler that only records (nothing is dialed). */
export async function apiFixture(db: Knex, options: Partial<ApiDependencies> = {}): Promise<ApiFixture> {
  const clock = new ManualClock();
  const logger = testLogger();
  const store = createStore(db, () => clock.now());
  const operator = await accountWithBalance(store, 0, { country: 'US' });
  const scheduled: ApiFixture['scheduled'] = [];
  const engine = new CallbackEngine({
    db,
    logger,
    clock,
    settings: defaultSettings().callback,
    telephony: noTelephony,
    scheduler: {
      schedule: async (requestId, dueAt) => void scheduled.push({ requestId, dueAt }),
      cancel: (requestId, cause = 'CANCELLED') => store.callbackRequests.transition(requestId, DUE_STATES, 'cancelled', { lastCause: cause, release: true }),
    },
    operatorCallbackAccountId: operator.id,
    instanceId: 'api-test',
  });
  const router = apiRouter({ engine, db, logger, clock, operatorKeyHash: sha256Hex(OPERATOR_KEY), ...options });
  const app = createHttpApp({ logger, readiness: [], routers: [{ path: API_PREFIX, router }] });
  return {
    app,
    store,
    clock,
    engine,
    scheduled,
    async account(balance = 0) {
      const account = await accountWithBalance(store, balance, { country: 'US', timeZone: 'Europe/Berlin', creditLimitMinor: minorUnits(0) });
      const { plainKey } = await store.apiKeys.create({ accountId: account.id, label: 'test' });
      return { account, key: plainKey };
    },
  };
}

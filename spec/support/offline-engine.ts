import type { Knex } from 'knex';
import { CallbackEngine, defaultRouting, type EngineTelephony, type RequestScheduler } from '../../lib/callback/engine';
import { defaultSettings } from '../../lib/config';
import type { Logger } from '../../lib/log/logger';
import { DUE_STATES, type Account, type Store } from '../../lib/store';
import type { Clock } from '../../lib/time/clock';
import { accountWithBalance } from '../store/fixtures';

/** Telephony that must never be reached: the HTTP tests only order and cancel, never dial. */
const noTelephony: EngineTelephony = {
  socketAddress: { host: '127.0.0.1', port: 1 },
  nodes: [],
  pickNode: () => 'none',
  originate: () => Promise.reject(new Error('no telephony in HTTP tests')),
  api: () => Promise.reject(new Error('no telephony in HTTP tests')),
  onEvent: () => () => undefined,
};

export interface OfflineEngine {
  engine: CallbackEngine;
  operator: Account;
  /** What the engine asked the scheduler to wake, in order. */
  scheduled: Array<{ requestId: string; dueAt: number }>;
}

/**
 * A real engine on a real database whose scheduler only records, for API and portal tests;
 * `telephony` for one that may still ask FreeSWITCH about legs (a restarted controller recovering);
 * `dialAtOnce` for one whose orders due now are inserted claimed by it (a controller that dies then).
 */
export async function offlineEngine(deps: {
  db: Knex;
  store: Store;
  clock: Clock;
  logger: Logger;
  instanceId: string;
  telephony?: EngineTelephony;
  dialAtOnce?: RequestScheduler['dialAtOnce'];
}): Promise<OfflineEngine> {
  const operator = await accountWithBalance(deps.store, 0, { country: 'US' });
  const scheduled: OfflineEngine['scheduled'] = [];
  const engine = new CallbackEngine({
    db: deps.db,
    logger: deps.logger,
    clock: deps.clock,
    settings: defaultSettings().callback,
    telephony: deps.telephony ?? noTelephony,
    routing: defaultRouting(),
    scheduler: {
      schedule: async (requestId, dueAt) => void scheduled.push({ requestId, dueAt }),
      cancel: (requestId, cause = 'CANCELLED') => deps.store.callbackRequests.transition(requestId, DUE_STATES, 'cancelled', { lastCause: cause, release: true }),
      ...(deps.dialAtOnce ? { dialAtOnce: deps.dialAtOnce } : {}),
    },
    operatorCallbackAccountId: operator.id,
    instanceId: deps.instanceId,
  });
  return { engine, operator, scheduled };
}

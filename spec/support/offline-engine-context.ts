import type { Knex } from 'knex';
import { defaultRouting } from '../../lib/callback/engine/leg-routing';
import { engineContext, type CallbackEngineOptions, type EngineContext } from '../../lib/callback/engine/context';
import { defaultSettings } from '../../lib/config';
import { testLogger } from '../../lib/log/logger';

/**
 * An engine context on a real database that dials nothing and schedules nothing: for tests of a
 * step (settlement, holds) on rows they write themselves. Anything of the options may be given.
 */
export function offlineEngineContext(db: Knex, instanceId: string, options: Partial<Omit<CallbackEngineOptions, 'db' | 'instanceId'>> & { socketAddress?: { host: string; port: number } } = {}): EngineContext {
  const { socketAddress = { host: '127.0.0.1', port: 1 }, ...rest } = options;
  return engineContext({
    db,
    instanceId,
    logger: testLogger(),
    settings: defaultSettings().callback,
    telephony: {
      socketAddress,
      nodes: ['fs1'],
      pickNode: () => 'fs1',
      originate: () => Promise.reject(new Error('not used')),
      api: () => Promise.reject(new Error('not used')),
      onEvent: () => () => undefined,
    },
    routing: defaultRouting(),
    scheduler: { schedule: () => Promise.resolve(), cancel: () => Promise.resolve(false) },
    operatorCallbackAccountId: 1,
    ...rest,
  });
}

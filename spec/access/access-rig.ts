import type { Knex } from 'knex';
import type { CallbackEngine, CallbackEngineOptions, DestinationAsker, RequestChange } from '../../lib/callback/engine';
import { defaultSettings, type CallbackSettings } from '../../lib/config';
import type { CallSession } from '../../lib/esl/call-session';
import type { Logger } from '../../lib/log/logger';
import type { SystemSettings } from '../../lib/settings';
import type { Scheduler } from '../../lib/scheduler';
import type { FreeswitchSimulator, SimulatorOptions } from '../../lib/simulator';
import type { Account, Store } from '../../lib/store';
import type { Engine as DatabaseEngine } from '../support/databases';
import { startEngineRig, type SteppingClock } from '../support/engine-harness';

/*
 * The engine rig of spec/support/engine-harness.ts, set up for access calls: sessions without
 * `callback_request_id` go to a handler of the test's choosing (the access-number handler), the
 * engine takes a DestinationAsker (the leg-A IVR), and "quiet" also waits for database queries
 * in flight (the access handler's and the IVR's store work is not engine work).
 */

export interface AccessRigOptions {
  callback?: Partial<CallbackSettings>;
  askDestination?: DestinationAsker;
  engine?: Partial<Pick<CallbackEngineOptions, 'askAgainAfterTalk' | 'askAgainOnFailure' | 'setupAllowanceSeconds'>>;
  simulator?: Partial<SimulatorOptions>;
}

export interface AccessRigDeps {
  readonly store: Store;
  readonly engine: CallbackEngine;
  readonly settings: CallbackSettings;
  readonly system: SystemSettings;
  readonly clock: SteppingClock;
  readonly logger: Logger;
  readonly operatorCallbackAccountId: number;
}

export interface AccessRig extends AccessRigDeps {
  readonly sim: FreeswitchSimulator;
  readonly scheduler: Scheduler;
  readonly socket: { host: string; port: number };
  readonly requests: RequestChange[];
  /** Sessions that reached the non-callback handler. */
  readonly accessSessions: CallSession[];
  setAccessHandler(handler: (session: CallSession) => Promise<void>): void;
  account(balance: number, overrides?: Partial<Parameters<Store['accounts']['create']>[0]>): Promise<Account>;
  runUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs?: number): Promise<void>;
  /** Lets the system go quiet without moving the clock. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAccessRig(db: Knex, dbEngine: DatabaseEngine, options: AccessRigOptions = {}): Promise<AccessRig> {
  const defaults = defaultSettings().callback;
  const rig = await startEngineRig(db, dbEngine, {
    // The system defaults, no retries: an access test asserts on one attempt.
    callback: { maxRetries: 0, retryIntervalSeconds: defaults.retryIntervalSeconds, busyIvr: defaults.busyIvr, failedIvr: defaults.failedIvr, ...options.callback },
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.askDestination ? { askDestination: options.askDestination } : {}),
    ...(options.simulator ? { simulator: options.simulator } : {}),
    sessionHandler: () => Promise.reject(new Error('access handler not set')),
    quietTicks: 6,
  });
  return {
    store: rig.store,
    engine: rig.engine,
    settings: rig.settings,
    system: rig.system,
    clock: rig.clock,
    logger: rig.logger,
    operatorCallbackAccountId: rig.operatorAccountId,
    sim: rig.sim,
    scheduler: rig.scheduler,
    socket: rig.socket,
    requests: rig.requests,
    accessSessions: rig.otherSessions,
    setAccessHandler: (handler) => rig.setSessionHandler(handler),
    account: (balance, overrides) => rig.account(balance, overrides),
    runUntil: (condition, what, limitMs) => rig.runUntil(condition, what, limitMs),
    settle: () => rig.settle(),
    stop: () => rig.stop(),
  };
}

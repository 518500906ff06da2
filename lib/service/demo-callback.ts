import type { Knex } from 'knex';
import { DEMO } from '../../db/seeds/demo';
import type { CallbackEngine } from '../callback/engine';
import { isFinalLegState } from '../callback/state/leg-state';
import type { Logger } from '../log/logger';
import type { FreeswitchSimulator } from '../simulator';
import { createStore } from '../store';

/** The two simulated phones of the demo: the subscriber answers, talks 20 s, and the far end hangs up. */
export const DEMO_DESTINATION = '+493012345678';

/**
 * In simulator mode, shows a newcomer a callback end to end: one order from the demo account,
 * both legs' progress and the cost logged as they happen. Idempotent per database, so a restart
 * does not call again.
 */
export async function orderDemoCallback(deps: { db: Knex; engine: CallbackEngine; simulator: FreeswitchSimulator; logger: Logger }): Promise<void> {
  const { engine, simulator, logger } = deps;
  const account = await createStore(deps.db).accounts.findByName(DEMO.accountName);
  if (!account) return;
  simulator.setPhone(DEMO.callerId, { kind: 'answer', afterMs: 1500 });
  simulator.setPhone(DEMO_DESTINATION, { kind: 'answer', afterMs: 2500, hangupAfterMs: 20_000 });

  const log = logger.child({ component: 'demo' });
  const { request, created } = await engine.order({
    accountId: account.id,
    trigger: 'api',
    source: DEMO.callerId,
    destination: DEMO_DESTINATION,
    idempotencyKey: 'demo-callback',
  });
  if (!created) {
    log.info(`demo callback ${request.id} was already ordered on this database (state ${request.state}); set CALLBACK_SIMULATOR_DEMO_CALLBACK=false to stop this message`);
    return;
  }
  log.info(`demo: calling ${DEMO.callerId} back, then connecting to ${DEMO_DESTINATION}`, { requestId: request.id });
  // A leg's final status comes after its settlement, so the balance read then includes its cost.
  const stop = engine.on('leg', (change) => {
    if (change.requestId !== request.id) return;
    log.info(`demo: leg ${change.role} ${change.status}${change.cause ? ` (${change.cause})` : ''}`, { requestId: change.requestId, legUuid: change.legUuid });
    if (!isFinalLegState(change.state)) return;
    void createStore(deps.db)
      .accounts.balance(account.id)
      .then((balance) => log.info(`demo: leg ${change.role} settled; the demo account's balance is now ${balance?.balanceMinor ?? '?'} cents`, { requestId: request.id }))
      .catch((error: unknown) => log.warn('demo: could not read the balance', { error }));
    if (change.role === 'A') stop();
  });
}

import type { Express } from 'express';
import type { Knex } from 'knex';
import type { CdrTarget } from '../../lib/simulator';
import type { Engine as DatabaseEngine } from '../support/databases';
import { startEngineRig, type EngineRig } from '../support/engine-harness';
import { CRED, serve } from './support';

export interface RigPerTest {
  /** The test's engine rig on `db`, stopped after the test. */
  start(db: Knex): Promise<EngineRig>;
  /** Runs after the test, once the rig has stopped; the last registered runs first. */
  afterTest(cleanup: () => Promise<unknown>): void;
  /** Serves `app` until the test ends and has the rig's simulator post its CDRs there, as FreeSWITCH's mod_json_cdr would. */
  postCdrsTo(r: EngineRig, app: Express, target?: Omit<CdrTarget, 'url' | 'cred'>): Promise<void>;
}

/** One engine rig per test of the enclosing describe, and what the test opened, closed after it. */
export function rigPerTest(dbEngine: DatabaseEngine): RigPerTest {
  let rig: EngineRig | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const afterTest = (cleanup: () => Promise<unknown>): void => void cleanups.push(cleanup);
  return {
    start: async (db) => (rig = await startEngineRig(db, dbEngine)),
    afterTest,
    async postCdrsTo(r, app, target = {}) {
      const server = await serve(app);
      afterTest(() => server.close());
      r.sim.postCdrsTo({ url: server.url, cred: CRED, ...target });
    },
  };
}

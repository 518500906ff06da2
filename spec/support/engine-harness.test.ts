import type { Knex } from 'knex';
import { describeEachDatabase, type Engine as DatabaseEngine } from './databases';
import { startEngineRig, type EngineRig } from './engine-harness';

/** A statement that takes real time, as a write on a loaded MariaDB does. */
function slowStatement(db: Knex, dbEngine: DatabaseEngine): Promise<unknown> {
  if (dbEngine === 'mariadb') return db.raw('select sleep(0.3) as slept');
  return db.raw('with recursive c(x) as (select 1 union all select x + 1 from c where x < 300000) select count(*) as n from c');
}

describeEachDatabase('the engine rig moves its clock only when the system is quiet', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  // Work the engine tracks in the background (a feature leg marking its row answered) is not
  // "busy": the rig must still wait for its statements, or a talk comes out a second longer.
  it('does not move the clock while a database statement outside the engine is in flight', async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const before = r.clock.now();
    let done = false;
    void slowStatement(getDb(), dbEngine).then(() => (done = true));
    await r.runUntil(() => done, 'the statement to end');
    expect(r.clock.now()).toBe(before);
  });
});

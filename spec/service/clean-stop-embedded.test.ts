import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../db/seeds/demo';
import { testLogger } from '../../lib/log/logger';
import { startService, type RunningService } from '../../lib/service/start-service';
import { createStore } from '../../lib/store';
import { openDatabase } from '../../lib/store/database';
import { eventually } from '../scheduler/support';
import { embeddedServiceSettings } from '../support/service-settings';

/*
 * Ctrl-C on `npm start` in embedded mode: the bundled simulator stops with the service, so a talk
 * cannot be handed over. It is ended and billed from the simulator's own report before the stop
 * finishes, not left for the next start to estimate up to a lease as CONTROLLER_LOST.
 */
const DESTINATION = '+493012345679';

describe('a clean stop of the embedded service during a talk', () => {
  let dir: string;
  let service: RunningService | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callback-clean-stop-'));
  });
  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends the talk on the bundled simulator and bills both legs from its report: completed, billsec as reported, nothing held', async () => {
    const running = (service = await startService(embeddedServiceSettings(dir), testLogger()));
    const sim = running.telephony.simulator!;
    const store = createStore(running.db);
    sim.setPhone(DEMO.callerId, { kind: 'answer' });
    sim.setPhone(DESTINATION, { kind: 'answer' });
    const account = (await store.accounts.findByName(DEMO.accountName))!;
    const { request } = await running.engine.order({ accountId: account.id, trigger: 'api', source: DEMO.callerId, destination: DESTINATION });
    await eventually(async () => (await store.callbackRequests.findById(request.id))?.state === 'bridged', 'A and B talking', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const legs = await store.legs.listForRequest(request.id);
    const channelsOf = () => legs.map((leg) => sim.channel(leg.uuid));

    await running.stop();
    service = undefined;

    // The stop closed the service's database; the file is still there to read what it wrote.
    const db = openDatabase({ client: 'sqlite', filename: join(dir, 'callback.sqlite') });
    try {
      const after = createStore(db);
      expect(await after.callbackRequests.findById(request.id)).toMatchObject({ state: 'completed', lastCause: 'NORMAL_CLEARING' });
      const cdrs = await after.cdrs.listForRequest(request.id);
      expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      for (const [index, channel] of channelsOf().entries()) {
        const cdr = cdrs.find((row) => row.legUuid === legs[index]!.uuid)!;
        expect(cdr.raw?.reported).toBe(true);
        expect(cdr.billsec).toBeGreaterThanOrEqual(1);
        expect(cdr.billsec).toBe(Number(channel?.variables.billsec));
      }
      expect(await after.accounts.balance(account.id)).toMatchObject({ reservedMinor: 0 });
    } finally {
      await db.destroy();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { FREESWITCH_CDR_PATH } from '../../lib/http/freeswitch-cdr';
import { startService, type RunningService } from '../../lib/service/start-service';
import { createStore } from '../../lib/store';
import { embeddedServiceSettings } from '../support/service-settings';
import { sampleCdr } from './support';

describe('FreeSWITCH CDRs in the assembled service', () => {
  let dir: string;
  let service: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callback-cdr-wiring-'));
    service = await startService(embeddedServiceSettings(dir), testLogger());
  });

  afterAll(async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the embedded simulator posts every ended leg's CDR to the service's own endpoint, with the service's credentials", async () => {
    const sim = service.telephony.simulator!;
    // A call to an access number nobody has: refused without an answer; its leg still gets a CDR.
    const uuid = await sim.placeInboundCall({ destination: '99999', callerIdNumber: '+12025550999', socket: service.telephony.socketAddress });
    const store = createStore(service.db);
    let stored = await store.freeswitchCdrs.findByLegUuid(uuid);
    for (let i = 0; i < 400 && (stored === null || sim.cdrPosts.pending > 0); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      stored = await store.freeswitchCdrs.findByLegUuid(uuid);
    }
    expect(stored).toMatchObject({ legUuid: uuid, node: 'fs1', billsec: 0, reconciliation: 'unknown_leg' });
    expect(sim.cdrPosts.retrying).toBe(0);
  });

  it('refuses CDRs from anyone without the credentials', async () => {
    const cdr = sampleCdr();
    const response = await request(`http://127.0.0.1:${service.httpPort}`).post(FREESWITCH_CDR_PATH).set('Content-Type', 'application/json').send(JSON.stringify(cdr));
    expect(response.status).toBe(401);
  });

  it('counts what became of the CDRs in /metrics', async () => {
    const metrics = await request(`http://127.0.0.1:${service.httpPort}`).get('/metrics').expect(200);
    expect(metrics.text).toContain('callback_freeswitch_cdrs_total{outcome="unknown_leg"} 1');
    expect(metrics.text).toContain('callback_freeswitch_cdrs_total{outcome="unauthorized"} 1');
  });
});

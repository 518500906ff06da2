import { join } from 'node:path';
import type { Knex } from 'knex';
import { loadSettings } from '../../lib/config';
import { FINAL_STATES } from '../../lib/callback/state/request-state';
import { DEMO } from '../../db/seeds/demo';
import { createStore, type Store } from '../../lib/store';
import { openDatabase } from '../../lib/store/database';
import { ServiceProcess } from '../faults/restart/service-process';
import { describeWithRealSwitch } from './support/availability';
import { startRealSwitch, type RealSwitch } from './support/backends';
import { eventually } from './support/scenarios';

const OPERATOR_KEY = 'operator-key-for-real-switch-kill-0123456789';

/*
 * kill -9 of the controller while A and B talk on a real FreeSWITCH. The talk ends while no
 * controller runs, so nobody sees its hangup: the restarted controller must settle both legs from
 * what FreeSWITCH itself recorded (mod_json_cdr posts, retried until the controller is back).
 */
describeWithRealSwitch('kill -9 of the controller mid-talk on a real FreeSWITCH', () => {
  jest.setTimeout(120_000);
  let rs: RealSwitch;
  let env: Record<string, string>;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  let db: Knex | undefined;

  beforeAll(async () => {
    rs = await startRealSwitch();
    env = {
      ...rs.controllerEnv,
      CALLBACK_ENV: 'test',
      CALLBACK_LOG_LEVEL: 'warn',
      CALLBACK_LOG_FORMAT: 'json',
      CALLBACK_DATABASE_FILENAME: join(rs.root, 'callback.sqlite'),
      CALLBACK_SECURITY_OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_SECURITY_WEBHOOK_SECRET: 'webhook-secret-for-real-switch-kill-0123456789',
      // A dead instance's requests are taken over within a few seconds.
      CALLBACK_SCHEDULER_LEASE_SECONDS: '2',
      CALLBACK_SCHEDULER_SWEEP_CRON: '* * * * * *',
    };
  }, 60_000);

  afterAll(async () => {
    await first?.kill();
    await second?.stop();
    await db?.destroy();
    await rs?.stop();
  }, 30_000);

  it('the talk that ended while no controller ran is settled once per leg from FreeSWITCH\u2019s CDRs, balances exact, no hold left', async () => {
    const [a, b] = ['+12125550191', '+12125550192'];
    await rs.setPhone(a, { kind: 'answer' });
    await rs.setPhone(b, { kind: 'answer', hangupAfterMs: 3000 });
    first = ServiceProcess.start(env);
    await first.ready(rs.httpPort);
    db = openDatabase(loadSettings({ env }).database);
    const store: Store = createStore(db);
    const account = (await store.accounts.findByName(DEMO.accountName))!;
    const before = (await store.accounts.balance(account.id))!.balanceMinor;

    const ordered = await fetch(`http://127.0.0.1:${rs.httpPort}/api/v1/callbacks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OPERATOR_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId: account.id, source: a, destination: b }),
    });
    expect(ordered.status).toBe(201);
    const id = ((await ordered.json()) as { id: string }).id;
    await eventually('A and B talking', async () => (await store.callbackRequests.findById(id))?.state === 'bridged');
    await first.kill();

    // B clears 3 s into the talk; both legs' ends go unseen. Then a controller starts again.
    const legs = await store.legs.listForRequest(id);
    await eventually('both legs gone from FreeSWITCH', async () => {
      const gone = await Promise.all(legs.map(async (leg) => (await rs.observer.api(`uuid_exists ${leg.uuid}`)).trim() === 'false'));
      return gone.every(Boolean);
    });
    second = ServiceProcess.start(env);
    await second.ready(rs.httpPort);

    const done = await eventually('the request to end', async () => {
      const found = await store.callbackRequests.findById(id);
      return found && (FINAL_STATES as readonly string[]).includes(found.state) ? found : undefined;
    }, 60_000);
    expect(done.state).toBe('completed');
    // Recovery may settle from an estimate first (the lease ran out before the CDR's retry came):
    // FreeSWITCH's CDR then corrects it, once. Either way the leg ends billed as FreeSWITCH measured it.
    const fsCdrs = await Promise.all(
      legs.map((leg) =>
        eventually(`FreeSWITCH's CDR of leg ${leg.role}`, async () => {
          const found = await store.freeswitchCdrs.findByLegUuid(leg.uuid);
          return found && found.reconciliation !== 'pending' ? found : undefined;
        }, 30_000),
      ),
    );
    const cdrs = await store.cdrs.listForRequest(id);
    expect(cdrs).toHaveLength(2);
    for (const fsCdr of fsCdrs) {
      expect(['settled', 'agrees', 'corrected']).toContain(fsCdr.reconciliation);
      const cdr = cdrs.find((c) => c.legUuid === fsCdr.legUuid)!;
      expect(cdr.billsec).toBe(fsCdr.billsec);
      expect(cdr.billsec).toBeGreaterThanOrEqual(2);
    }
    const balance = (await store.accounts.balance(account.id))!;
    expect(before - balance.balanceMinor).toBe(cdrs.reduce((sum, c) => sum + c.costMinor, 0));
    expect(balance.reservedMinor).toBe(0);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { seedDemo } from '../../../db/seeds/demo';
import { FINAL_STATES } from '../../../lib/callback/state/request-state';
import { loadSettings } from '../../../lib/config';
import { minorUnits } from '../../../lib/domain/money';
import { FreeswitchSimulator } from '../../../lib/simulator';
import { createStore, type Store } from '../../../lib/store';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { eventually } from '../../scheduler/support';
import { freePort } from '../../support/ports';
import { ServiceProcess } from './service-process';

/*
 * The real service stopped cleanly (SIGTERM, what Ctrl-C, systemd and docker stop send) while A
 * and B talk and while another subscriber is in the IVR, then started again. Unlike a crash
 * (kill-restart.test.ts) nothing waits for a lease to run out and nothing is billed from an
 * estimate: the talk is handed over and adopted at once, and billed from FreeSWITCH's report.
 * The simulator lives in the test process, so it outlives both services, as FreeSWITCH would.
 */

const OPERATOR_KEY = 'operator-key-for-handover-tests-0123456789';
const FINAL: readonly string[] = FINAL_STATES;
/** Far longer than the test waits for the adoption: a takeover after the lease would fail it. */
const LEASE_SECONDS = 120;
/** Bounds a failing test only: every wait polls the database or the simulator every few ms. */
const WAIT_MS = 60_000;

const NUMBERS = {
  talk: { source: '+12025550313', destination: '+12025550413' },
  ivr: { source: '+12025550312', destination: null },
} as const;
type Scenario = keyof typeof NUMBERS;

jest.setTimeout(240_000);

describe('a clean stop (SIGTERM) of the controller during a talk, and a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callback-handover-'));
  let sim: FreeswitchSimulator;
  let db: Knex;
  let store: Store;
  let env: Record<string, string>;
  let httpPort: number;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  let accountId: number;
  let balanceBefore: number;
  const ids = {} as Record<Scenario, string>;
  /** The talk's row right after the first service stopped. */
  let afterStop: Awaited<ReturnType<Store['callbackRequests']['findById']>>;
  let stoppedAt = 0;
  let adoptedAfterMs = Number.NaN;

  const request = async (scenario: Scenario) => (await store.callbackRequests.findById(ids[scenario]))!;
  const legsOf = (scenario: Scenario) => store.legs.listForRequest(ids[scenario]);
  async function finalState(scenario: Scenario, what: string) {
    await eventually(async () => FINAL.includes((await request(scenario)).state), what, WAIT_MS);
    return request(scenario);
  }

  async function order(scenario: Scenario): Promise<string> {
    const { source, destination } = NUMBERS[scenario];
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/v1/callbacks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OPERATOR_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId, source, destination }),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) throw new Error(`order refused: ${response.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  beforeAll(async () => {
    sim = await FreeswitchSimulator.start({ gateways: ['carrier'] });
    for (const { source, destination } of Object.values(NUMBERS)) {
      sim.setPhone(source, { kind: 'answer' });
      if (destination) sim.setPhone(destination, { kind: 'answer' });
    }

    httpPort = await freePort();
    env = {
      CALLBACK_ENV: 'test',
      CALLBACK_LOG_LEVEL: process.env.RESTART_TEST_LOG ? 'info' : 'warn',
      CALLBACK_LOG_FORMAT: 'json',
      CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'),
      CALLBACK_MEDIA_ROOT: join(dir, 'media'),
      CALLBACK_HTTP_PORT: String(httpPort),
      CALLBACK_SOCKET_SERVER_PORT: String(await freePort()),
      CALLBACK_FREESWITCH_MODE: 'external',
      CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: '127.0.0.1', port: sim.eslPort, gateways: ['carrier'] }]),
      CALLBACK_SECURITY_OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_SECURITY_WEBHOOK_SECRET: 'webhook-secret-for-handover-tests-0123456789',
      CALLBACK_CALLBACK_MAX_CONCURRENT_PER_ACCOUNT: '10',
      CALLBACK_SCHEDULER_LEASE_SECONDS: String(LEASE_SECONDS),
      CALLBACK_SCHEDULER_SWEEP_CRON: '* * * * * *',
      // The IVR call never reaches its talk: the stop waits this long for it, then hands it over.
      CALLBACK_SCHEDULER_STOP_GRACE_SECONDS: '1',
    };
    db = openDatabase(loadSettings({ env }).database);
    await migrateToLatest(db);
    accountId = (await seedDemo(db)).accountId;
    store = createStore(db);
    await store.accounts.update(accountId, { maxConcurrentCallbacks: 10 });
    await store.payments.record({ accountId, amountMinor: minorUnits(10_000_000), currency: 'USD', method: 'test' });
    balanceBefore = (await store.accounts.balance(accountId))!.balanceMinor;

    first = ServiceProcess.start(env);
    await first.ready(httpPort);
    ids.talk = await order('talk');
    ids.ivr = await order('ivr');
    await eventually(async () => (await request('talk')).state === 'bridged', 'A and B talking', WAIT_MS);
    await eventually(async () => (await request('ivr')).state === 'a_answered', 'leg A in the IVR', WAIT_MS);
    // Some talk time on each side of the stop, so that an estimate could not match by chance.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await first.stop();
    stoppedAt = Date.now();
    afterStop = await request('talk');

    second = ServiceProcess.start(env);
    await second.ready(httpPort);
    await eventually(async () => (await request('talk')).claimedBy?.includes(`-${second!.pid}-`) ?? false, 'the new instance to adopt the talk', WAIT_MS);
    adoptedAfterMs = Date.now() - stoppedAt;
  });

  afterAll(async () => {
    await first?.kill();
    await second?.stop();
    if (process.env.RESTART_TEST_LOG) writeFileSync(process.env.RESTART_TEST_LOG, `${first?.log()}\n-----\n${second?.log()}`);
    await db?.destroy();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the stop exits 0, leaves the talk up on the switch and hands the request over: lease released at once, marked HANDED_OVER, nothing billed yet', async () => {
    // A graceful stop: its SIGTERM handler ran to the end and the process exited by itself.
    expect(first!.exitCode).toBe(0);
    expect(afterStop).toMatchObject({ state: 'bridged', lastCause: 'HANDED_OVER' });
    expect(afterStop!.leaseUntil).toBeLessThanOrEqual(stoppedAt);
    const legs = await legsOf('talk');
    expect(legs.map((leg) => leg.role).sort()).toEqual(['A', 'B']);
    for (const leg of legs) expect(sim.channel(leg.uuid)?.answerState).toBe('answered');
  });

  it('the next instance adopts the handed-over talk at once, not after the lease, and leaves it up', async () => {
    expect(adoptedAfterMs).toBeLessThan((LEASE_SECONDS * 1000) / 4);
    for (const leg of await legsOf('talk')) expect(sim.channel(leg.uuid)?.answerState).toBe('answered');
    expect((await request('talk')).state).toBe('bridged');
  });

  it('the adopted talk is billed with the billsec and hangup cause FreeSWITCH reported, and ends with that cause, not CONTROLLER_LOST', async () => {
    const b = (await legsOf('talk')).find((leg) => leg.role === 'B')!;
    sim.hangup(b.uuid, 'NORMAL_CLEARING');
    const done = await finalState('talk', 'the adopted talk to end');
    expect(done).toMatchObject({ state: 'completed', lastCause: 'NORMAL_CLEARING' });
    await eventually(async () => (await store.cdrs.listForRequest(ids.talk)).length === 2, 'both legs of the talk to be settled', WAIT_MS);
    for (const cdr of await store.cdrs.listForRequest(ids.talk)) {
      const channel = sim.channel(cdr.legUuid);
      expect(cdr.raw?.reported).toBe(true);
      expect(cdr.billsec).toBe(Number(channel?.variables.billsec));
      expect(cdr.billsec).toBeGreaterThanOrEqual(1);
      expect(cdr.hangupCause).toBe(channel?.hangupCause);
    }
  });

  it('a call still in the IVR when the grace ran out is ended by the next instance and reported failed with SYSTEM_SHUTDOWN', async () => {
    const done = await finalState('ivr', 'the IVR request to end');
    expect(done).toMatchObject({ state: 'failed', lastCause: 'SYSTEM_SHUTDOWN' });
  });

  it('every leg is booked exactly once and the balance adds up to the minor unit, with nothing left held', async () => {
    let spent = 0;
    for (const scenario of Object.keys(NUMBERS) as Scenario[]) {
      await finalState(scenario, `${scenario} to end`);
      await eventually(async () => (await legsOf(scenario)).every((leg) => leg.endedAt !== null), `${scenario}'s legs to be settled`, WAIT_MS);
      const legs = await legsOf(scenario);
      const cdrs = await store.cdrs.listForRequest(ids[scenario]);
      expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      spent += cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    }
    expect(sim.channels()).toEqual([]);
    expect(await store.accounts.balance(accountId)).toMatchObject({ balanceMinor: balanceBefore - spent, reservedMinor: 0 });
  });
});

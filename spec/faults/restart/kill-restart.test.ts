import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { seedDemo } from '../../../db/seeds/demo';
import { loadSettings } from '../../../lib/config';
import { minorUnits } from '../../../lib/domain/money';
import { FreeswitchSimulator } from '../../../lib/simulator';
import { createStore, type Store } from '../../../lib/store';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { FINAL_STATES } from '../../../lib/callback/state/request-state';
import { freePort } from '../../support/ports';
import { eventually } from '../../scheduler/support';
import { ServiceProcess } from './service-process';

/*
 * The real service, SIGKILLed in the middle of three calls at once (leg A ringing, leg A in the
 * IVR, A and B talking) and one request scheduled for later, then started again. The simulator
 * lives in the test process, so it outlives both services, as FreeSWITCH would.
 */

const OPERATOR_KEY = 'operator-key-for-restart-tests-0123456789';
const FINAL: readonly string[] = FINAL_STATES;
/** Bounds a failing test only: every wait polls the database or the simulator every few ms. */
const WAIT_MS = 60_000;

/** One source (leg A) and destination (leg B) per scenario, each with its own phone behaviour. */
const NUMBERS = {
  ringing: { source: '+12025550111', destination: '+12025550211' },
  ivr: { source: '+12025550112', destination: null },
  talk: { source: '+12025550113', destination: '+12025550213' },
  scheduled: { source: '+12025550114', destination: '+12025550214' },
} as const;
type Scenario = keyof typeof NUMBERS;

jest.setTimeout(240_000);

describe('kill -9 of the controller in the middle of calls, and a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callback-restart-'));
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
  const originates: string[] = [];
  /** Every command a client sent the switch before and after the second service was started. */
  const beforeRestart: string[] = [];
  const afterRestart: string[] = [];
  let restarted = false;
  /** Leg A of the IVR scenario: hung up by the switch before the second service started? */
  let ivrLegEndedBeforeRestart = false;

  const request = async (scenario: Scenario) => (await store.callbackRequests.findById(ids[scenario]))!;
  const legsOf = (scenario: Scenario) => store.legs.listForRequest(ids[scenario]);
  async function finalState(scenario: Scenario, what: string) {
    await eventually(async () => FINAL.includes((await request(scenario)).state), what, WAIT_MS);
    return request(scenario);
  }
  const dialedTo = (number: string) => originates.filter((line) => line.includes(`/${number.replace('+', '')} `) || line.includes(`/${number} `)).length;

  async function order(scenario: Scenario, at?: Date): Promise<string> {
    const { source, destination } = NUMBERS[scenario];
    const response = await fetch(`http://127.0.0.1:${httpPort}/api/v1/callbacks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OPERATOR_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId, source, destination, ...(at ? { at: at.toISOString().replace(/\.\d+Z$/, 'Z') } : {}) }),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) throw new Error(`order refused: ${response.status} ${JSON.stringify(body)}`);
    return body.id;
  }

  beforeAll(async () => {
    sim = await FreeswitchSimulator.start({ gateways: ['carrier'] });
    sim.on('command', (_connection: unknown, line: string) => {
      if (line.includes('originate')) originates.push(line);
      (restarted ? afterRestart : beforeRestart).push(line);
    });
    sim.setPhone(NUMBERS.ringing.source, { kind: 'answer', afterMs: 600_000, ringing: true });
    sim.setPhone(NUMBERS.ivr.source, { kind: 'answer' });
    sim.setPhone(NUMBERS.talk.source, { kind: 'answer' });
    sim.setPhone(NUMBERS.talk.destination, { kind: 'answer' });
    sim.setPhone(NUMBERS.scheduled.source, { kind: 'answer' });
    sim.setPhone(NUMBERS.scheduled.destination, { kind: 'answer', hangupAfterMs: 1_000 });

    httpPort = await freePort();
    env = {
      CALLBACK_ENV: 'test',
      CALLBACK_LOG_LEVEL: process.env.RESTART_TEST_LOG ? 'info' : 'warn',
      CALLBACK_LOG_FORMAT: 'json',
      CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'),
      CALLBACK_HTTP_PORT: String(httpPort),
      // Both services listen on the same socket port, as a restarted one would: a leg answering
      // after the crash connects to the new instance.
      CALLBACK_SOCKET_SERVER_PORT: String(await freePort()),
      CALLBACK_FREESWITCH_MODE: 'external',
      CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: '127.0.0.1', port: sim.eslPort, gateways: ['carrier'] }]),
      CALLBACK_SECURITY_OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_SECURITY_WEBHOOK_SECRET: 'webhook-secret-for-restart-tests-0123456789',
      CALLBACK_CALLBACK_MAX_CONCURRENT_PER_ACCOUNT: '10',
      // A dead instance's requests are taken over within a few seconds.
      CALLBACK_SCHEDULER_LEASE_SECONDS: '2',
      CALLBACK_SCHEDULER_SWEEP_CRON: '* * * * * *',
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
    ids.ringing = await order('ringing');
    ids.ivr = await order('ivr');
    ids.talk = await order('talk');

    // Each call reaches the stage it is killed in.
    await eventually(async () => (await legsOf('ringing')).some((leg) => sim.channel(leg.uuid)?.answerState === 'ringing'), 'leg A ringing', WAIT_MS);
    await eventually(async () => (await request('ivr')).state === 'a_answered', 'leg A in the IVR', WAIT_MS);
    await eventually(async () => (await request('talk')).state === 'bridged', 'A and B talking', WAIT_MS);
    // Due a few seconds after the crash: its job dies with the first service's in-process queue.
    ids.scheduled = await order('scheduled', new Date(Date.now() + 5_000));
    await first.kill();

    const ivrA = (await legsOf('ivr')).find((leg) => leg.role === 'A')!;
    await eventually(() => sim.channel(ivrA.uuid)?.hangupCause !== undefined, 'the IVR leg hung up by the switch', WAIT_MS);
    ivrLegEndedBeforeRestart = true;

    restarted = true;
    second = ServiceProcess.start(env);
    await second.ready(httpPort);
  });

  afterAll(async () => {
    await first?.kill();
    await second?.stop();
    // RESTART_TEST_LOG=<file>: both services' logs, at info level, for a failure's post-mortem.
    if (process.env.RESTART_TEST_LOG) writeFileSync(process.env.RESTART_TEST_LOG, `${first?.log()}\n-----\n${second?.log()}`);
    await db?.destroy();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the switch hangs up a leg A left in the IVR as soon as its controller dies (08a)', async () => {
    const [a] = await legsOf('ivr');
    expect(ivrLegEndedBeforeRestart).toBe(true);
    expect(sim.channel(a!.uuid)).toMatchObject({ hangupCause: 'NORMAL_CLEARING' });
  });

  it('a talk outlives its dead controller (its talk limit held by the switch), is adopted by the new instance, and goes on until a party hangs up', async () => {
    const legs = await legsOf('talk');
    expect(legs.map((leg) => leg.role).sort()).toEqual(['A', 'B']);
    for (const leg of legs) expect(sim.channel(leg.uuid)?.answerState).toBe('answered');
    // The new instance asks the switch about both legs, finds them up, and leaves the talk alone.
    await eventually(() => legs.every((leg) => afterRestart.includes(`api uuid_exists ${leg.uuid}`)), 'the new instance probing the talk', WAIT_MS);
    expect((await request('talk')).claimedBy).toContain(`-${second!.pid}-`);
    for (const leg of legs) expect(sim.channel(leg.uuid)?.answerState).toBe('answered');
    expect((await request('talk')).state).toBe('bridged');

    const b = legs.find((leg) => leg.role === 'B')!;
    // Its talk limit outlives the controller too: the switch holds B's hard stop since the talk began.
    expect(beforeRestart.some((line) => /^api sched_hangup \d+ /.test(line) && line.includes(` ${b.uuid} ALLOTTED_TIMEOUT`))).toBe(true);
    sim.hangup(b.uuid, 'NORMAL_CLEARING');
    const done = await finalState('talk', 'the adopted talk to end');
    expect(done.state).toBe('completed');
  });

  it('an adopted talk is rated and settled once per answered leg from what FreeSWITCH reported', async () => {
    const cdrs = await store.cdrs.listForRequest(ids.talk);
    const legs = await legsOf('talk');
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
    for (const cdr of cdrs) {
      expect(cdr.raw?.reported).toBe(true);
      expect(cdr.billsec).toBe(Number(sim.channel(cdr.legUuid)?.variables.billsec));
    }
  });

  it('a leg A still ringing when its controller died is hung up and booked, and its request fails', async () => {
    const done = await finalState('ringing', 'the ringing request to end');
    expect(done).toMatchObject({ state: 'failed', lastCause: 'CONTROLLER_LOST' });
    const [a] = await legsOf('ringing');
    expect(sim.channel(a!.uuid)?.hangupCause).toBeDefined();
    expect(sim.channels().some((channel) => channel.uuid === a!.uuid)).toBe(false);
    expect(dialedTo(NUMBERS.ringing.source)).toBe(1);
  });

  it('a request whose IVR died with its controller is reported failed', async () => {
    const done = await finalState('ivr', 'the IVR request to end');
    expect(done).toMatchObject({ state: 'failed', lastCause: 'CONTROLLER_LOST' });
  });

  it('a request scheduled before the crash is dialed exactly once after the restart', async () => {
    const done = await finalState('scheduled', 'the scheduled request to end');
    expect(done).toMatchObject({ state: 'completed', attempts: 1 });
    expect(dialedTo(NUMBERS.scheduled.source)).toBe(1);
    expect((await legsOf('scheduled')).map((leg) => leg.role).sort()).toEqual(['A', 'B']);
  });

  it('every request ends in a final state, every leg is booked exactly once, and the balance adds up to the minor unit', async () => {
    let spent = 0;
    for (const scenario of Object.keys(NUMBERS) as Scenario[]) {
      await finalState(scenario, `${scenario} to end`);
      // A request may reach its final state a moment before its last leg is booked.
      await eventually(async () => (await legsOf(scenario)).every((leg) => leg.endedAt !== null), `${scenario}'s legs to be settled`, WAIT_MS);
      const legs = await legsOf(scenario);
      const cdrs = await store.cdrs.listForRequest(ids[scenario]);
      expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      spent += cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    }
    expect(sim.channels()).toEqual([]);
    // Nothing left held, and what was charged is exactly what the CDRs say.
    expect(await store.accounts.balance(accountId)).toMatchObject({ balanceMinor: balanceBefore - spent, reservedMinor: 0 });
  });
});

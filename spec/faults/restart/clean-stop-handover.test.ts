import { FreeswitchSimulator } from '../../../lib/simulator';
import type { Store } from '../../../lib/store';
import { eventually } from '../../scheduler/support';
import { RestartRig, WAIT_MS } from './restart-rig';
import { ServiceProcess } from './service-process';

/*
 * The real service stopped cleanly (SIGTERM, what Ctrl-C, systemd and docker stop send) while A
 * and B talk and while another subscriber is in the IVR, then started again. Unlike a crash
 * (kill-restart.test.ts) nothing waits for a lease to run out and nothing is billed from an
 * estimate: the talk is handed over and adopted at once, and billed from FreeSWITCH's report.
 * The simulator lives in the test process, so it outlives both services, as FreeSWITCH would.
 */

/** Far longer than the test waits for the adoption: a takeover after the lease would fail it. */
const LEASE_SECONDS = 120;

const NUMBERS = {
  talk: { source: '+12025550313', destination: '+12025550413' },
  ivr: { source: '+12025550312', destination: null },
} as const;
type Scenario = keyof typeof NUMBERS;

jest.setTimeout(240_000);

describe('a clean stop (SIGTERM) of the controller during a talk, and a restart', () => {
  let sim: FreeswitchSimulator;
  let rig: RestartRig<Scenario>;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  /** The talk's row right after the first service stopped. */
  let afterStop: Awaited<ReturnType<Store['callbackRequests']['findById']>>;
  let stoppedAt = 0;
  let adoptedAfterMs = Number.NaN;

  const request = (scenario: Scenario) => rig.request(scenario);
  const legsOf = (scenario: Scenario) => rig.legsOf(scenario);
  const finalState = (scenario: Scenario, what: string) => rig.finalState(scenario, what);

  beforeAll(async () => {
    sim = await FreeswitchSimulator.start({ gateways: ['carrier'] });
    for (const { source, destination } of Object.values(NUMBERS)) {
      sim.setPhone(source, { kind: 'answer' });
      if (destination) sim.setPhone(destination, { kind: 'answer' });
    }
    rig = await RestartRig.start<Scenario>('handover', sim, {
      CALLBACK_SCHEDULER_LEASE_SECONDS: String(LEASE_SECONDS),
      // The IVR call never reaches its talk: the stop waits this long for it, then hands it over.
      CALLBACK_SCHEDULER_STOP_GRACE_SECONDS: '1',
    });

    first = ServiceProcess.start(rig.env);
    await first.ready(rig.httpPort);
    await rig.order('talk', NUMBERS.talk);
    await rig.order('ivr', NUMBERS.ivr);
    await eventually(async () => (await request('talk')).state === 'bridged', 'A and B talking', WAIT_MS);
    await eventually(async () => (await request('ivr')).state === 'a_answered', 'leg A in the IVR', WAIT_MS);
    // Some talk time on each side of the stop, so that an estimate could not match by chance.
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    await first.stop();
    stoppedAt = Date.now();
    afterStop = await request('talk');

    second = ServiceProcess.start(rig.env);
    await second.ready(rig.httpPort);
    await eventually(async () => (await request('talk')).claimedBy?.includes(`-${second!.pid}-`) ?? false, 'the new instance to adopt the talk', WAIT_MS);
    adoptedAfterMs = Date.now() - stoppedAt;
  });

  afterAll(async () => {
    await rig?.close(first, second);
    await sim?.stop();
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
    await eventually(async () => (await rig.store.cdrs.listForRequest(rig.ids.talk)).length === 2, 'both legs of the talk to be settled', WAIT_MS);
    for (const cdr of await rig.store.cdrs.listForRequest(rig.ids.talk)) {
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
    const spent = await rig.spentOncePerLeg(Object.keys(NUMBERS) as Scenario[]);
    expect(sim.channels()).toEqual([]);
    expect(await rig.store.accounts.balance(rig.accountId)).toMatchObject({ balanceMinor: rig.balanceBefore - spent, reservedMinor: 0 });
  });
});

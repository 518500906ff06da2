import { FreeswitchSimulator } from '../../../lib/simulator';
import { eventually } from '../../scheduler/support';
import { RestartRig, WAIT_MS } from './restart-rig';
import { ServiceProcess } from './service-process';

/*
 * The real service, SIGKILLed in the middle of three calls at once (leg A ringing, leg A in the
 * IVR, A and B talking) and one request scheduled for later, then started again. The simulator
 * lives in the test process, so it outlives both services, as FreeSWITCH would.
 */

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
  let sim: FreeswitchSimulator;
  let rig: RestartRig<Scenario>;
  let first: ServiceProcess | undefined;
  let second: ServiceProcess | undefined;
  const originates: string[] = [];
  /** Every command a client sent the switch before and after the second service was started. */
  const beforeRestart: string[] = [];
  const afterRestart: string[] = [];
  let restarted = false;
  /** Leg A of the IVR scenario: hung up by the switch before the second service started? */
  let ivrLegEndedBeforeRestart = false;

  const request = (scenario: Scenario) => rig.request(scenario);
  const legsOf = (scenario: Scenario) => rig.legsOf(scenario);
  const finalState = (scenario: Scenario, what: string) => rig.finalState(scenario, what);
  const dialedTo = (number: string) => originates.filter((line) => line.includes(`/${number.replace('+', '')} `) || line.includes(`/${number} `)).length;

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

    rig = await RestartRig.start<Scenario>('restart', sim, {
      // A dead instance's requests are taken over within a few seconds.
      CALLBACK_SCHEDULER_LEASE_SECONDS: '2',
    });

    first = ServiceProcess.start(rig.env);
    await first.ready(rig.httpPort);
    await rig.order('ringing', NUMBERS.ringing);
    await rig.order('ivr', NUMBERS.ivr);
    await rig.order('talk', NUMBERS.talk);

    // Each call reaches the stage it is killed in.
    await eventually(async () => (await legsOf('ringing')).some((leg) => sim.channel(leg.uuid)?.answerState === 'ringing'), 'leg A ringing', WAIT_MS);
    await eventually(async () => (await request('ivr')).state === 'a_answered', 'leg A in the IVR', WAIT_MS);
    await eventually(async () => (await request('talk')).state === 'bridged', 'A and B talking', WAIT_MS);
    // Due a few seconds after the crash: its job dies with the first service's in-process queue.
    await rig.order('scheduled', { ...NUMBERS.scheduled, at: new Date(Date.now() + 5_000).toISOString().replace(/\.\d+Z$/, 'Z') });
    await first.kill();

    const ivrA = (await legsOf('ivr')).find((leg) => leg.role === 'A')!;
    await eventually(() => sim.channel(ivrA.uuid)?.hangupCause !== undefined, 'the IVR leg hung up by the switch', WAIT_MS);
    ivrLegEndedBeforeRestart = true;

    restarted = true;
    second = ServiceProcess.start(rig.env);
    await second.ready(rig.httpPort);
  });

  afterAll(async () => {
    await rig?.close(first, second);
    await sim?.stop();
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
    const cdrs = await rig.store.cdrs.listForRequest(rig.ids.talk);
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
    const spent = await rig.spentOncePerLeg(Object.keys(NUMBERS) as Scenario[]);
    expect(sim.channels()).toEqual([]);
    // Nothing left held, and what was charged is exactly what the CDRs say.
    expect(await rig.store.accounts.balance(rig.accountId)).toMatchObject({ balanceMinor: rig.balanceBefore - spent, reservedMinor: 0 });
  });
});

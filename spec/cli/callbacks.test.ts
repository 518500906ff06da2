import { randomUUID } from 'node:crypto';
import { minorUnits } from '../../lib/domain/money';
import { testLogger } from '../../lib/log/logger';
import { BullDialQueue } from '../../lib/scheduler/bull-dial-queue';
import { systemClock } from '../../lib/time/clock';
import { createStore, type CallbackRequest, type Cdr, type Leg } from '../../lib/store';
import { freePort } from '../support/ports';
import { cli, cliJson, describeEachCliDatabase, type CliTarget } from './support';
import { itWith, testRedis } from '../support/external-services';

/** A fixed "now" for the in-process runs, so waiting and delayed are decided by the test. */
const NOW = Date.parse('2026-06-01T12:00:00Z');

interface Ordered {
  request: CallbackRequest;
  created: boolean;
}

async function order(target: CliTarget, ...argv: string[]): Promise<CallbackRequest> {
  return (await cliJson<Ordered>(target, ['callbacks', 'order', '--account', 'Caller', ...argv], { now: NOW })).request;
}

describeEachCliDatabase('CLI callbacks, queue and test call', (target) => {
  beforeAll(async () => {
    expect((await cli(target(), ['accounts', 'create', '--name', 'Caller', '--currency', 'EUR', '--country', 'DE', '--time-zone', 'Europe/Berlin'])).code).toBe(0);
    expect((await cli(target(), ['accounts', 'create', '--name', 'Demo', '--currency', 'USD'])).code).toBe(0);
  });

  it('orders a callback now, in state queued with the numbers in E.164, for the scheduler sweep to find', async () => {
    const result = await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '030 1234567', '--destination', '+14155550100'], { now: NOW });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^state: +queued$/m);
    expect(result.stdout).toMatch(/^source: +\+49301234567$/m);
    expect(result.stdout).toMatch(/^due: +2026-06-01T12:00:00Z$/m);
    expect(result.stdout).toMatch(/^attempts: +0\/3$/m);
    const [latest] = await cliJson<CallbackRequest[]>(target(), ['callbacks', 'list', '--account', 'Caller', '--limit', '1']);
    expect(latest).toMatchObject({ trigger: 'cli', state: 'queued', destination: '+14155550100', mode: 'source_first', dueAt: NOW, data: { unidentified: false, orderedBy: 'tester' } });
  });

  it("schedules on the account's wall clock, and is idempotent per key", async () => {
    const scheduled = await order(target(), '--source', '+49301234567', '--at', '2026-06-02 09:30', '--idempotency-key', 'k-1', '--max-retries', '0');
    expect(scheduled.dueAt).toBe(Date.parse('2026-06-02T07:30:00Z')); // Berlin is UTC+2 in June
    expect(scheduled.maxAttempts).toBe(1);
    const again = await cliJson<Ordered>(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--at', '2026-06-03 10:00', '--idempotency-key', 'k-1'], { now: NOW });
    expect(again).toMatchObject({ created: false, request: { id: scheduled.id } });
  });

  it('refuses orders it cannot take, naming the option', async () => {
    const gap = await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--at', '2026-03-29 02:30']);
    expect(gap).toMatchObject({ code: 2, stderr: expect.stringContaining('--at: "2026-03-29 02:30" does not exist in Europe/Berlin: the clocks skip it for daylight saving time') });
    // #18 item 6: the window every path shares (NOW is 2026-06-01T12:00Z).
    const past = await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--at', '2026-05-31 10:00'], { now: NOW });
    expect(past).toMatchObject({ code: 2, stderr: expect.stringContaining('--at: "2026-05-31 10:00" is already past in Europe/Berlin') });
    const far = await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--at', '2027-06-02 10:00'], { now: NOW });
    expect(far).toMatchObject({ code: 2, stderr: expect.stringContaining('--at: "2027-06-02 10:00" is more than 365 days ahead') });
    expect((await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--at', 'tomorrow'])).stderr).toContain('--at: expected a local time');
    expect((await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '12'])).stderr).toContain('--source: 12 is not a valid number');
    expect((await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567', '--mode', 'simultaneous'])).stderr).toContain('--destination: simultaneous mode');
    expect((await cli(target(), ['callbacks', 'order', '--account', 'Nobody', '--source', '+49301234567'])).code).toBe(3);
    expect((await cli(target(), ['callbacks', 'list', '--state', 'queued,dreaming'])).stderr).toContain('--state: unknown state dreaming');
  });

  it('shows a request with its legs and what each cost', async () => {
    const request = await order(target(), '--source', '+49301234567', '--destination', '+14155550100');
    const store = createStore(target().db, () => NOW);
    const legA = randomUUID();
    await store.legs.create({ uuid: legA, requestId: request.id, role: 'A', number: '+49301234567', node: 'fs1', state: 'answered' });
    await store.legs.update(legA, { answeredAt: NOW + 5_000, endedAt: NOW + 65_000, billsec: 60, hangupCause: 'NORMAL_CLEARING', state: 'completed' });
    await store.cdrs.insert({ legUuid: legA, requestId: request.id, accountId: request.accountId, direction: 'outbound', number: '+49301234567', startedAt: NOW, answeredAt: NOW + 5_000, endedAt: NOW + 65_000, billsec: 60, hangupCause: 'NORMAL_CLEARING', costMinor: minorUnits(12), ratePrefix: '49', source: 'socket' });
    await store.legs.create({ uuid: randomUUID(), requestId: request.id, role: 'B', number: '+14155550100', state: 'dialing' });

    const shown = await cli(target(), ['callbacks', 'show', request.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`id:          ${request.id}`);
    const legLines = shown.stdout.slice(shown.stdout.indexOf('legs:\n') + 6).split('\n');
    expect(legLines[0]).toMatch(/^LEG +UUID +NUMBER +STATE +NODE +ANSWERED +ENDED +BILLSEC +CAUSE +COST$/);
    expect(legLines[1]).toMatch(new RegExp(`^A1 +${legA} +\\+49301234567 +completed +fs1 +2026-06-01T12:00:05Z +2026-06-01T12:01:05Z +60 +NORMAL_CLEARING +0\\.12$`));
    expect(legLines[2]).toMatch(/^B1 +\S+ +\+14155550100 +dialing +- +- +- +- +- +-$/);
    const json = await cliJson<{ request: CallbackRequest; legs: Leg[]; cdrs: Cdr[] }>(target(), ['callbacks', 'show', request.id]);
    expect(json.legs.map((leg) => leg.role)).toEqual(['A', 'B']);
    expect(json.cdrs.map((cdr) => cdr.costMinor)).toEqual([12]);
    expect((await cli(target(), ['callbacks', 'show', randomUUID()])).code).toBe(3);
    expect((await cli(target(), ['callbacks', 'show', 'not-an-id'])).code).toBe(3);
  });

  it("shows a status webhook URL's credentials masked, in the user part and the query string", async () => {
    const store = createStore(target().db, () => NOW);
    const account = await store.accounts.findByName('Caller');
    if (!account) throw new Error('the account Caller is missing');
    const { request } = await store.callbackRequests.create({
      accountId: account.id,
      trigger: 'api',
      source: '+49301234567' as CallbackRequest['source'],
      statusWebhookUrl: 'https://hook:pw@example.com/hook?id=7&token=live-token',
    });
    const masked = 'https://***:***@example.com/hook?id=7&token=***';
    const shown = await cliJson<{ request: CallbackRequest }>(target(), ['callbacks', 'show', request.id]);
    expect(shown.request.statusWebhookUrl).toBe(masked);
    const listed = await cliJson<CallbackRequest[]>(target(), ['callbacks', 'list', '--account', 'Caller', '--limit', '100']);
    expect(listed.find((r) => r.id === request.id)?.statusWebhookUrl).toBe(masked);
    expect(JSON.stringify(listed)).not.toContain('live-token');
    // Not one of the queue counts the later tests expect.
    await target().db('callback_requests').where({ id: request.id }).delete();
  });

  it('cancels a waiting request and one whose call is under way, and refuses one that has ended', async () => {
    const waiting = await order(target(), '--source', '+49301234567');
    expect(await cli(target(), ['callbacks', 'cancel', waiting.id])).toEqual({ code: 0, stdout: `request ${waiting.id} cancelled\n`, stderr: '' });
    expect((await createStore(target().db).callbackRequests.findById(waiting.id))).toMatchObject({ state: 'cancelled', lastCause: 'CANCELLED' });

    const dialing = await order(target(), '--source', '+49301234567');
    await createStore(target().db).callbackRequests.transition(dialing.id, 'queued', 'dialing_a');
    expect(await cli(target(), ['callbacks', 'cancel', dialing.id])).toEqual({
      code: 0,
      stdout: `request ${dialing.id} cancelled\n`,
      stderr: 'its call ends when the service calling it next renews its lease (within 40 s)\n',
    });
    expect((await createStore(target().db).callbackRequests.findById(dialing.id))).toMatchObject({ state: 'cancelled', lastCause: 'CANCELLED', claimedBy: null });

    const refused = await cli(target(), ['callbacks', 'cancel', dialing.id]);
    expect(refused).toMatchObject({ code: 2, stderr: `error: request ${dialing.id} is cancelled and can no longer be cancelled\n` });
  });

  it('inspects the queue from SQL: waiting, delayed, active, failed', async () => {
    const failed = await order(target(), '--source', '+49301234567');
    await createStore(target().db).callbackRequests.transition(failed.id, 'queued', 'failed', { lastCause: 'NO_ROUTE_DESTINATION' });
    const counts = await cliJson<{ sql: { waiting: number; delayed: number; active: number; failed: number; byState: Record<string, number> }; bullmq: null }>(
      target(),
      ['queue', 'status'],
      { now: NOW },
    );
    // Ordered so far in this file: 2 due now (the first and the one shown with legs), 1 scheduled for tomorrow, 2 cancelled, 1 failed.
    expect(counts).toEqual({ sql: { waiting: 2, delayed: 1, active: 0, failed: 1, byState: { queued: 3, cancelled: 2, failed: 1 } }, bullmq: null });

    const status = await cli(target(), ['queue', 'status'], { now: NOW });
    expect(status.stdout).toMatch(/^waiting: 2\ndelayed: 1\nactive: {2}0\nfailed: {2}1\n/);
    expect(status.stdout).toContain('BullMQ: not used (queue.driver is memory');
    const delayed = await cliJson<CallbackRequest[]>(target(), ['queue', 'list', 'delayed'], { now: NOW });
    expect(delayed.map((request) => request.dueAt)).toEqual([Date.parse('2026-06-02T07:30:00Z')]);
    const failedList = await cliJson<CallbackRequest[]>(target(), ['queue', 'list', 'failed'], { now: NOW });
    expect(failedList.map((request) => request.lastCause)).toEqual(['NO_ROUTE_DESTINATION']);
    expect((await cli(target(), ['queue', 'list', 'lost'])).stderr).toContain('Allowed choices are waiting, delayed, active, failed');
  });

  it('reports the BullMQ queue as unavailable when Redis does not answer, without failing', async () => {
    const port = await freePort();
    const result = await cli(target(), ['queue', 'status'], { env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/BullMQ dial queue \(prefix callback\):\nunavailable: .*ECONNREFUSED/);
  });

  itWith(testRedis(), 'reads BullMQ job counts when the queue driver is redis', async (redisUrl) => {
    const counts = await cliJson<{ bullmq: { ok: boolean; waiting: number } }>(target(), ['queue', 'status'], {
      env: { REDIS_URL: redisUrl, CALLBACK_QUEUE_PREFIX: `cli-test-${randomUUID().slice(0, 8)}` },
    });
    expect(counts.bullmq).toEqual({ ok: true, waiting: 0, delayed: 0, active: 0, failed: 0 });
  });

  it("leaves an order to the service's pick-up with the in-process queue, and says so; a Redis that does not answer only falls back to the sweep", async () => {
    const memory = await cliJson<Ordered & { handover: { via: string; why: string } }>(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567'], { now: NOW });
    expect(memory.handover).toEqual({ via: 'pickup' });
    await cli(target(), ['callbacks', 'cancel', memory.request.id]);

    const port = await freePort();
    const started = Date.now();
    const down = await cli(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567'], { now: NOW, env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^dialed: +by the service's sweep: the dial queue is unavailable \(.+\); the service's sweep \(\*\/10 \* \* \* \* \*\) dials it$/m);
    expect(Date.now() - started).toBeLessThan(5_000);
    await cli(target(), ['callbacks', 'cancel', /^id: +(\S+)$/m.exec(down.stdout)![1]!]);
  });

  itWith(testRedis(), "puts an order onto the service's BullMQ dial queue at once, so a running worker dials it without waiting for a sweep", async (redisUrl) => {
    const prefix = `cli-dial-${randomUUID().slice(0, 8)}`;
    const ordered = await cliJson<Ordered & { handover: { via: string } }>(target(), ['callbacks', 'order', '--account', 'Caller', '--source', '+49301234567'], {
      env: { REDIS_URL: redisUrl, CALLBACK_QUEUE_PREFIX: prefix },
    });
    expect(ordered.handover).toEqual({ via: 'queue' });
    // The service's side of the same queue: its worker receives the request.
    const service = new BullDialQueue({ url: redisUrl, prefix, clock: systemClock, logger: testLogger() });
    try {
      const dialed = new Promise<string>((resolve) => void service.start(async (requestId) => resolve(requestId)));
      expect(await dialed).toBe(ordered.request.id);
    } finally {
      await service.stop();
    }
    await cli(target(), ['callbacks', 'cancel', ordered.request.id]);
  });

  it('test-call orders a marked callback from the demo account, and --wait reports how it ended', async () => {
    const ordered = await cliJson<CallbackRequest>(target(), ['test-call', '+14155550100']);
    expect(ordered).toMatchObject({ state: 'queued', source: '+14155550100', destination: null, data: { testCall: true } });
    expect((await createStore(target().db).accounts.findById(ordered.accountId))?.name).toBe('Demo');

    // Stand in for the service: complete the next test call once it has been ordered.
    const store = createStore(target().db);
    const service = (async () => {
      for (let i = 0; i < 100; i += 1) {
        const [next] = await store.callbackRequests.list({ states: ['queued'], limit: 1 });
        if (next && next.id !== ordered.id && next.data.testCall === true) {
          await store.callbackRequests.transition(next.id, 'queued', 'completed');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const waited = await cli(target(), ['test-call', '+14155550100', '--account', 'Caller', '--wait', '10']);
    await service;
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^state: +completed$/m);

    const timedOut = await cli(target(), ['test-call', '+14155550100', '--wait', '1']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toMatch(/is still queued after 1 s; is the service running\?/);
  });

  it('test-call --wait prints each change of the request and its legs as the service makes it, on the CLI\'s clock', async () => {
    const store = createStore(target().db);
    const legA = randomUUID();
    const legB = randomUUID();
    let now = NOW;
    let requestId: string | undefined;
    // What the service does between two polls, one step per wait; a step may change nothing.
    const steps: Array<(id: string) => Promise<unknown>> = [
      (id) => store.callbackRequests.transition(id, 'queued', 'dialing_a'),
      (id) => store.legs.create({ uuid: legA, requestId: id, role: 'A', number: '+14155550100', state: 'ringing' }),
      async () => undefined,
      (id) => Promise.all([store.legs.update(legA, { state: 'answered' }), store.callbackRequests.transition(id, 'dialing_a', 'dialing_b')]),
      (id) => store.legs.create({ uuid: legB, requestId: id, role: 'B', number: '+493012345678', state: 'dialing' }),
      (id) => Promise.all([store.legs.update(legB, { state: 'bridged' }), store.legs.update(legA, { state: 'bridged' }), store.callbackRequests.transition(id, 'dialing_b', 'bridged')]),
      (id) =>
        Promise.all([
          store.legs.update(legB, { state: 'completed', hangupCause: 'NORMAL_CLEARING' }),
          store.legs.update(legA, { state: 'completed', hangupCause: 'NORMAL_CLEARING' }),
          store.callbackRequests.transition(id, 'bridged', 'completed', { lastCause: 'NORMAL_CLEARING' }),
        ]),
    ];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
        requestId ??= (await store.callbackRequests.list({ states: ['queued'], limit: 100 })).find((request) => request.destination === '+493012345678')?.id;
        await steps.shift()?.(requestId!);
      },
    };
    const waited = await cli(target(), ['test-call', '+14155550100', '--destination', '+493012345678', '--wait', '60'], { clock });
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^state: +completed$/m);
    expect(waited.stderr.split('\n')).toEqual([
      '+0 s  request queued',
      '+0 s  request dialing_a',
      '+1 s  leg A1 +14155550100 ringing',
      '+2 s  request dialing_b',
      '+2 s  leg A1 +14155550100 answered',
      '+2 s  leg B1 +493012345678 dialing',
      '+3 s  request bridged',
      '+3 s  leg A1 +14155550100 bridged',
      '+3 s  leg B1 +493012345678 bridged',
      '+3 s  request completed (NORMAL_CLEARING)',
      '+3 s  leg A1 +14155550100 completed (NORMAL_CLEARING)',
      '+3 s  leg B1 +493012345678 completed (NORMAL_CLEARING)',
      '',
    ]);
  });
});

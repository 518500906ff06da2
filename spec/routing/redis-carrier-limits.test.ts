import { Redis } from 'ioredis';
import { testLogger } from '../../lib/log/logger';
import type { CarrierSlot, LimitRefusal } from '../../lib/routing/carrier-limiter';
import { LegRouter } from '../../lib/routing/leg-router';
import { RedisCarrierLimits } from '../../lib/routing/redis-carrier-limits';
import { DEFAULT_FAILOVER_CAUSES } from '../../lib/routing/route-causes';
import { ManualClock } from '../../lib/time/clock';
import { deletePrefix, eventually, uniquePrefix } from '../scheduler/support';
import { memoryLogger } from '../support/esl-fakes';
import { describeWith, testRedis } from '../support/external-services';
import { freePort } from '../support/ports';
import { carrier, e164, perSecond, rate } from './fixtures';

const LEASE_MS = 30_000;

function slots(results: ReadonlyArray<CarrierSlot | LimitRefusal>): CarrierSlot[] {
  return results.filter((result): result is CarrierSlot => typeof result !== 'string');
}

function verdicts(results: ReadonlyArray<CarrierSlot | LimitRefusal>): string[] {
  return results.map((result) => (typeof result === 'string' ? result : 'ok'));
}

describeWith(testRedis(), 'RedisCarrierLimits', (url) => {
  let admin: Redis;
  const prefixes: string[] = [];
  const opened: RedisCarrierLimits[] = [];

  beforeAll(() => {
    admin = new Redis(url, { maxRetriesPerRequest: 3 });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((limits) => limits.close()));
  });
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  /** `count` limiters on one prefix, as that many controllers of one deployment; each on its own connection and clock. */
  function controllers(count: number, clocks: readonly ManualClock[] = Array.from({ length: count }, () => new ManualClock(0))): RedisCarrierLimits[] {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    return clocks.map((clock) => {
      const limits = new RedisCarrierLimits({ url, prefix, leaseMs: LEASE_MS, clock, logger: testLogger() });
      opened.push(limits);
      return limits;
    });
  }

  it('never lets two controllers together exceed a carrier\'s channels, however many take at once', async () => {
    const [one, two] = controllers(2) as [RedisCarrierLimits, RedisCarrierLimits];
    const five = carrier(1, 'five', { maxChannels: 5 });
    const results = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? one : two).tryTake(five)));
    const taken = slots(results);
    expect(taken).toHaveLength(5);
    expect(new Set(verdicts(results))).toEqual(new Set(['ok', 'max_channels']));
    expect(await one.channels(1)).toBe(5);

    // Given back (twice: the second does nothing), they are free for either controller.
    for (const slot of taken.slice(0, 2)) {
      slot.release();
      slot.release();
    }
    await eventually(async () => (await two.channels(1)) === 3, 'the two channels given back');
    expect(verdicts(await Promise.all([two.tryTake(five), one.tryTake(five), two.tryTake(five)])).sort()).toEqual(['max_channels', 'ok', 'ok']);
    // Another carrier counts apart.
    expect(verdicts([await one.tryTake(carrier(2, 'other', { maxChannels: 1 }))])).toEqual(['ok']);
  });

  it('frees the channel of a controller that died once its lease expires, and keeps a live one\'s', async () => {
    const deadClock = new ManualClock(0);
    const liveClock = new ManualClock(0);
    const [dead, live, other] = controllers(3, [deadClock, liveClock, liveClock]) as [RedisCarrierLimits, RedisCarrierLimits, RedisCarrierLimits];
    const one = carrier(1, 'one', { maxChannels: 1 });
    expect(verdicts([await dead.tryTake(one)])).toEqual(['ok']);
    expect(await live.tryTake(one)).toBe('max_channels');
    // The dead controller's clock stands still: nothing refreshes its lease.
    await liveClock.advance(LEASE_MS - 1);
    expect(await live.tryTake(one)).toBe('max_channels');
    await liveClock.advance(1);
    const taken = await live.tryTake(one);
    expect(verdicts([taken])).toEqual(['ok']);

    // The live holder refreshes its lease every third of it: three leases later it still holds the channel.
    for (let step = 0; step < 9; step += 1) {
      await liveClock.advance(LEASE_MS / 3);
      await live.whenRefreshed();
    }
    expect(await other.tryTake(one)).toBe('max_channels');
    if (typeof taken === 'string') throw new Error('expected a slot');
    taken.release();
    await eventually(async () => (await other.channels(1)) === 0, 'the channel given back');
    expect(verdicts([await other.tryTake(one)])).toEqual(['ok']);
  });

  it('counts a channel again whose lease expired while its leg was up (Redis away longer than a lease), even above the limit', async () => {
    const stalledClock = new ManualClock(0);
    const otherClock = new ManualClock(0);
    const [stalled, other] = controllers(2, [stalledClock, otherClock]) as [RedisCarrierLimits, RedisCarrierLimits];
    const one = carrier(1, 'one', { maxChannels: 1 });
    expect(verdicts([await stalled.tryTake(one)])).toEqual(['ok']);
    // To the other controller the stalled one's lease ran out: it takes the channel.
    await otherClock.advance(LEASE_MS);
    expect(verdicts([await other.tryTake(one)])).toEqual(['ok']);
    // The stalled controller's leg is still up: its next refresh counts it again.
    await stalledClock.advance(LEASE_MS / 3);
    await stalled.whenRefreshed();
    expect(await other.channels(1)).toBe(2);
    expect(await other.tryTake(one)).toBe('max_channels');
  });

  it('lets maxCps calls a second through across controllers, in a sliding one-second window', async () => {
    const clock = new ManualClock(0);
    const [one, two] = controllers(2, [clock, clock]) as [RedisCarrierLimits, RedisCarrierLimits];
    const paced = carrier(1, 'paced', { maxCps: 3 });
    const first = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? one : two).tryTake(paced)));
    expect(slots(first)).toHaveLength(3);
    expect(first.filter((result) => result === 'max_cps')).toHaveLength(7);
    await clock.advance(500);
    expect(await two.tryTake(paced)).toBe('max_cps');
    // A second after the first three, they leave the window; a call is a call of the second even when its channel is given back.
    for (const slot of slots(first)) slot.release();
    await clock.advance(500);
    expect(verdicts(await Promise.all([one.tryTake(paced), two.tryTake(paced), one.tryTake(paced), two.tryTake(paced)])).sort()).toEqual(['max_cps', 'ok', 'ok', 'ok']);
  });

  it('counts a channel a controller adopted, beyond the limit, on every controller, until it is released', async () => {
    const clock = new ManualClock(0);
    const [adopter, other] = controllers(2, [clock, clock]) as [RedisCarrierLimits, RedisCarrierLimits];
    const one = carrier(1, 'one', { maxChannels: 1 });
    expect(verdicts([await other.tryTake(one)])).toEqual(['ok']);
    const adopted = adopter.hold(one);
    await eventually(async () => (await other.channels(1)) === 2, 'the adopted channel counted');
    // Kept by the adopter's refreshes like any lease, two leases on.
    for (let step = 0; step < 6; step += 1) {
      await clock.advance(LEASE_MS / 3);
      await Promise.all([adopter.whenRefreshed(), other.whenRefreshed()]);
    }
    expect(await adopter.channels(1)).toBe(2);
    adopted.release();
    expect(await adopter.channels(1)).toBe(1);
    // A carrier without a channel limit has nothing to count.
    adopter.hold(carrier(2, 'free')).release();
    expect(await adopter.channels(2)).toBe(0);
  });

  it('refuses a call per second without taking a channel, and a full carrier without using up its second', async () => {
    const [limits] = controllers(1) as [RedisCarrierLimits];
    const both = carrier(1, 'both', { maxChannels: 1, maxCps: 1 });
    expect(verdicts([await limits.tryTake(both)])).toEqual(['ok']);
    expect(await limits.tryTake(both)).toBe('max_channels');
    expect(await limits.channels(1)).toBe(1);
    const cps = carrier(2, 'cps', { maxChannels: 5, maxCps: 1 });
    expect(verdicts([await limits.tryTake(cps), await limits.tryTake(cps)])).toEqual(['ok', 'max_cps']);
    expect(await limits.channels(2)).toBe(1);
  });
});

describe('RedisCarrierLimits without Redis', () => {
  it('counts a carrier with limits as at its limit when Redis cannot be reached, so the leg fails with congestion (retried); a carrier without limits is dialed', async () => {
    const { logger, records } = memoryLogger();
    const clock = new ManualClock(0);
    const limits = new RedisCarrierLimits({ url: `redis://127.0.0.1:${await freePort()}/`, prefix: 'nowhere', leaseMs: LEASE_MS, clock, logger, commandTimeoutMs: 200 });
    try {
      const limited = carrier(1, 'limited', { maxChannels: 10 });
      const free = carrier(2, 'free');
      expect(await limits.tryTake(limited)).toBe('limits_unreachable');
      expect(records.some((record) => record.message.includes('carrier limits cannot be checked in Redis'))).toBe(true);

      const router = (carriers: ReturnType<typeof carrier>[]) =>
        new LegRouter({
          source: { enabledCarriers: async () => carriers, buyRatesInForce: async () => carriers.map((c) => rate(c.id, '49', 1)), tariffCurrency: async () => 'USD', version: () => 0 },
          failoverCauses: new Set(DEFAULT_FAILOVER_CAUSES),
          reloadMs: 30_000,
          limits,
          clock,
          random: () => 0,
          logger,
        });
      const input = { number: e164('+4930123456'), callerId: undefined, sellRate: { ...perSecond(50_000), tariffId: 1 }, nodes: ['fs1'], choice: { policy: 'cheapest', allowLossCalls: false } } as const;
      const congested = await router([limited]).plan(input, logger);
      expect([await congested.next(), congested.noCarrierCause]).toEqual([undefined, 'NORMAL_CIRCUIT_CONGESTION']);
      expect((await (await router([limited, free]).plan(input, logger)).next())?.carrier.name).toBe('free');
    } finally {
      await limits.close();
    }
  });
});

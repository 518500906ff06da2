import { InProcessCarrierLimits } from '../../lib/routing/carrier-limits';
import { LegRouter, type LegRouterOptions, type LegTries, type RouteSource } from '../../lib/routing/leg-router';
import { DEFAULT_FAILOVER_CAUSES } from '../../lib/routing/route-causes';
import type { RouteCarrier, RouteRate } from '../../lib/routing/route-types';
import { testLogger } from '../../lib/log/logger';
import { ManualClock } from '../../lib/time/clock';
import { memoryLogger } from '../support/esl-fakes';
import { carrier, e164, perSecond, rate } from './fixtures';

const log = testLogger();

function router(source: RouteSource, fields: Partial<LegRouterOptions> = {}): { router: LegRouter; clock: ManualClock } {
  const clock = new ManualClock(0);
  const options: LegRouterOptions = {
    source,
    failoverCauses: new Set(DEFAULT_FAILOVER_CAUSES),
    reloadMs: 30_000,
    limits: new InProcessCarrierLimits(clock),
    clock,
    random: () => 0,
    logger: log,
    ...fields,
  };
  return { router: new LegRouter(options), clock };
}

function source(carriers: RouteCarrier[], rates: RouteRate[]): RouteSource & { reads: number; changes: number } {
  const counted = {
    reads: 0,
    changes: 0,
    version: () => counted.changes,
    enabledCarriers: async () => {
      counted.reads += 1;
      return carriers;
    },
    buyRatesInForce: async () => rates,
    tariffCurrency: async () => 'USD',
  };
  return counted;
}

const input = { number: e164('+4930123456'), callerId: e164('+15550001111'), sellRate: { ...perSecond(50_000), tariffId: 1 }, nodes: ['fs1'], choice: { policy: 'cheapest', allowLossCalls: false } } as const;

describe('LegRouter', () => {
  it('tries the carriers in order, each with its dial number, and fails over on route causes only', async () => {
    const { router: r } = router(source([carrier(1, 'a', { dialPrefix: '00' }), carrier(2, 'b', { callerIdMode: 'anonymous' })], [rate(1, '49', 1), rate(2, '49', 2)]));
    const tries = await r.plan(input, log);
    const first = await tries.next();
    expect([first?.carrier?.name, first?.number, first?.gateways.get('fs1'), first?.callerId]).toEqual(['a', '004930123456', 'gw-a', { kind: 'number', number: '+15550001111' }]);
    expect(tries.failsOver('USER_BUSY')).toBe(false);
    expect(tries.failsOver('GATEWAY_DOWN')).toBe(true);
    const second = await tries.next();
    expect([second?.carrier?.name, second?.callerId]).toEqual(['b', { kind: 'anonymous' }]);
    expect(tries.failsOver('GATEWAY_DOWN')).toBe(false);
    expect(await tries.next()).toBeUndefined();
  });

  it('skips carriers at their limit, and says congestion when every one is', async () => {
    const { router: r } = router(source([carrier(1, 'a', { maxChannels: 1 }), carrier(2, 'b', { maxChannels: 1 })], [rate(1, '49', 1), rate(2, '49', 2)]));
    const held = [(await (await r.plan(input, log)).next()), (await (await r.plan(input, log)).next())];
    expect(held.map((entry) => entry?.carrier?.name)).toEqual(['a', 'b']);
    const full = await r.plan(input, log);
    expect(await full.next()).toBeUndefined();
    expect(full.noCarrierCause).toBe('NORMAL_CIRCUIT_CONGESTION');
    held[0]?.slot.release();
    expect((await (await r.plan(input, log)).next())?.carrier?.name).toBe('a');
  });

  it('has no route for a number no carrier has a rate for, or that only a loss-making carrier has', async () => {
    const { router: r } = router(source([carrier(1, 'a')], [rate(1, '49', 60_000)]));
    const none = await r.plan({ ...input, number: e164('+33123456789') }, log);
    expect([(await none.next()), none.noCarrierCause]).toEqual([undefined, 'NO_ROUTE_DESTINATION']);
    const loss = await r.plan(input, log);
    expect([(await loss.next()), loss.noCarrierCause]).toEqual([undefined, 'NO_ROUTE_DESTINATION']);
  });

  it('routes each leg by the policy its call gives', async () => {
    const { router: r } = router(source([carrier(1, 'cheap', { priority: 9 }), carrier(2, 'first', { priority: 1 })], [rate(1, '49', 1), rate(2, '49', 2)]));
    expect(await namesOf(await r.plan(input, log))).toEqual(['cheap', 'first']);
    expect(await namesOf(await r.plan({ ...input, choice: { policy: 'priority', allowLossCalls: false } }, log))).toEqual(['first', 'cheap']);
  });

  it('leaves out a carrier whose number rules do not fit the number', async () => {
    const { router: r } = router(source([carrier(1, 'a', { stripDigits: 15 }), carrier(2, 'b')], [rate(1, '49', 1), rate(2, '49', 2)]));
    expect((await (await r.plan(input, log)).next())?.carrier?.name).toBe('b');
  });

  it('dials nothing while no carrier is enabled', async () => {
    const { router: r } = router(source([], []));
    const none = await r.plan(input, log);
    expect([(await none.next()), none.noCarrierCause]).toEqual([undefined, 'NO_ROUTE_DESTINATION']);
  });

  it('reads carriers and rates again only after reloadMs, and keeps the old ones when a read fails', async () => {
    const data = source([carrier(1, 'a')], [rate(1, '49', 1)]);
    let failing = false;
    const flaky: RouteSource = { ...data, enabledCarriers: () => (failing ? Promise.reject(new Error('database away')) : data.enabledCarriers()) };
    const { router: r, clock } = router(flaky);
    await Promise.all([r.plan(input, log), r.plan(input, log)]);
    expect(data.reads).toBe(1);
    await clock.advance(29_999);
    await r.plan(input, log);
    expect(data.reads).toBe(1);
    await clock.advance(1);
    failing = true;
    expect((await (await r.plan(input, log)).next())?.carrier?.name).toBe('a');
    failing = false;
    await r.plan(input, log);
    expect(data.reads).toBe(2);
  });

  it('reads carriers and rates again at once when the price book changed, even within reloadMs', async () => {
    const data = source([carrier(1, 'a')], [rate(1, '49', 1)]);
    const { router: r } = router(data);
    await r.plan(input, log);
    data.changes += 1;
    await r.plan(input, log);
    await r.plan(input, log);
    expect(data.reads).toBe(2);
  });

  it('leaves out, with a warning, carriers whose rates are in another currency than the tariff, unless loss calls are allowed', async () => {
    const euro = carrier(2, 'euro', { currency: 'EUR' });
    const data = { ...source([carrier(1, 'dollar'), euro], [rate(1, '49', 2), rate(2, '49', 1)]), tariffCurrency: async () => 'USD' };
    const { logger, records } = memoryLogger();
    const { router: r } = router(data);
    expect(await namesOf(await r.plan(input, logger))).toEqual(['dollar']);
    expect(records.filter((record) => record.level === 'warn')).toEqual([expect.objectContaining({ carriers: ['euro'] })]);
    expect(await namesOf(await r.plan({ ...input, choice: { policy: 'cheapest', allowLossCalls: true } }, log))).toEqual(['euro', 'dollar']);
  });

  it('reads a tariff\'s currency once per table, and compares nothing with a tariff that is gone', async () => {
    let reads = 0;
    const data = { ...source([carrier(1, 'a')], [rate(1, '49', 1)]), tariffCurrency: async () => ((reads += 1), null) };
    const { router: r } = router(data);
    expect(await namesOf(await r.plan(input, log))).toEqual([]);
    await r.plan(input, log);
    expect(reads).toBe(1);
  });
});

async function namesOf(tries: LegTries): Promise<string[]> {
  const names: string[] = [];
  for (let next = await tries.next(); next; next = await tries.next()) names.push(next.carrier.name);
  return names;
}

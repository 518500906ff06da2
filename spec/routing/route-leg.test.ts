import fc from 'fast-check';
import { routeLeg, routingTable, type RouteOptions } from '../../lib/routing/route-leg';
import { minorUnits } from '../../lib/domain/money';
import { carrier, perSecond, rate } from './fixtures';

const cheap = carrier(1, 'cheap', { priority: 30 });
const middle = carrier(2, 'middle', { priority: 20 });
const dear = carrier(3, 'dear', { priority: 10 });

const options: RouteOptions = { policy: 'cheapest', nodes: ['fs1', 'fs2'], sell: { terms: perSecond(100_000), currency: 'USD' }, allowLossCalls: false, random: () => 0 };

const names = (route: ReturnType<typeof routeLeg>): string[] => route.tries.map((entry) => entry.carrier.name);

describe('routeLeg', () => {
  const table = routingTable([cheap, middle, dear], [rate(1, '49', 10_000), rate(2, '49', 20_000), rate(3, '49', 30_000), rate(3, '4930', 5_000), rate(2, '1', 1_000)]);

  it('orders by each carrier\'s own longest prefix: a carrier cheap on +4930 comes first there, last elsewhere', () => {
    expect(names(routeLeg(table, '+4930123456', options))).toEqual(['dear', 'cheap', 'middle']);
    expect(names(routeLeg(table, '+4940123456', options))).toEqual(['cheap', 'middle', 'dear']);
    expect(routeLeg(table, '+4930123456', options).tries[0]?.rate?.prefix).toBe('4930');
  });

  it('finds no carrier for a number none has a rate for', () => {
    expect(routeLeg(table, '+33123456789', options)).toEqual({ tries: [], skipped: [] });
  });

  it('breaks a tie in price by priority, then by id', () => {
    const tied = routingTable([carrier(5, 'e', { priority: 2 }), carrier(4, 'd', { priority: 2 }), carrier(6, 'f', { priority: 1 })], [rate(4, '1', 7), rate(5, '1', 7), rate(6, '1', 7)]);
    expect(names(routeLeg(tied, '+15551234567', options))).toEqual(['f', 'd', 'e']);
  });

  it('orders by priority under the priority policy, whatever the price', () => {
    expect(names(routeLeg(table, '+4940123456', { ...options, policy: 'priority' }))).toEqual(['dear', 'middle', 'cheap']);
  });

  it('skips disabled carriers and says so', () => {
    const route = routeLeg(routingTable([cheap, { ...middle, enabled: false }, dear], [rate(1, '49', 1), rate(2, '49', 2), rate(3, '49', 3)]), '+491', options);
    expect(names(route)).toEqual(['cheap', 'dear']);
    expect(route.skipped).toEqual([{ carrier: 'middle', reason: 'disabled' }]);
  });

  it('skips a carrier whose buy rate is above the sell rate unless loss calls are allowed', () => {
    const lossy = routingTable([cheap, dear], [rate(1, '49', 100_000), rate(3, '49', 100_001)]);
    const route = routeLeg(lossy, '+491', options);
    expect(names(route)).toEqual(['cheap']);
    expect(route.skipped).toEqual([{ carrier: 'dear', reason: 'loss' }]);
    expect(names(routeLeg(lossy, '+491', { ...options, allowLossCalls: true }))).toEqual(['cheap', 'dear']);
    expect(names(routeLeg(lossy, '+491', { ...options, sell: undefined }))).toEqual(['cheap', 'dear']);
  });

  it('counts connection fees in the loss check, and leaves out a carrier in another currency than the tariff', () => {
    const priced = routingTable([cheap, middle, { ...dear, currency: 'EUR' }], [rate(1, '49', 50_000, { connectionFeeMinor: minorUnits(1) }), rate(2, '49', 90_000), rate(3, '49', 1)]);
    // Sold per second at 10 a minute, one second is 1; through cheap it is 1 plus its fee of 1.
    const route = routeLeg(priced, '+491', options);
    expect(names(route)).toEqual(['middle']);
    expect(route.skipped).toEqual([
      { carrier: 'cheap', reason: 'loss' },
      { carrier: 'dear', reason: 'other_currency' },
    ]);
    expect(names(routeLeg(priced, '+491', { ...options, allowLossCalls: true }))).toEqual(['dear', 'cheap', 'middle']);
  });

  it('keeps only the pinned carrier (an access number\'s trunk), even when it is not the cheapest', () => {
    const route = routeLeg(table, '+4940123456', { ...options, pinnedCarrier: 'dear' });
    expect(names(route)).toEqual(['dear']);
    expect(route.skipped.map((entry) => entry.reason)).toEqual(['not_pinned', 'not_pinned']);
    expect(names(routeLeg(table, '+4940123456', { ...options, pinnedCarrier: 'nobody' }))).toEqual([]);
  });

  it('gives each try its gateway on the eligible nodes and skips carriers with none there', () => {
    const split = routingTable(
      [carrier(1, 'only-fs2', { gateways: [{ node: 'fs2', gateway: 'a' }] }), carrier(2, 'both', { gateways: [{ node: '*', gateway: 'any' }, { node: 'fs1', gateway: 'own' }] })],
      [rate(1, '49', 1), rate(2, '49', 2)],
    );
    const onFs1 = routeLeg(split, '+491', { ...options, nodes: ['fs1'] });
    expect(names(onFs1)).toEqual(['both']);
    expect([...(onFs1.tries[0]?.gateways ?? [])]).toEqual([['fs1', 'own']]);
    expect(onFs1.skipped).toEqual([{ carrier: 'only-fs2', reason: 'no_gateway_on_node' }]);
    const anywhere = routeLeg(split, '+491', options);
    expect([...(anywhere.tries[0]?.gateways ?? [])]).toEqual([['fs2', 'a']]);
    expect([...(anywhere.tries[1]?.gateways ?? [])]).toEqual([['fs1', 'own'], ['fs2', 'any']]);
  });

  it('draws carriers of equal priority by weight, with the injected random source', () => {
    const weighted = routingTable([carrier(1, 'w1', { weight: 1 }), carrier(2, 'w3', { weight: 3 }), carrier(3, 'w0', { weight: 0 }), carrier(4, 'later', { priority: 99 })], [1, 2, 3, 4].map((id) => rate(id, '1', 1)));
    const withRandom = (value: number): string[] => names(routeLeg(weighted, '+1555', { ...options, policy: 'priority', random: () => value }));
    // Total weight 4: [0, 0.25) draws w1, [0.25, 1) draws w3; weight 0 after every weighted one.
    expect(withRandom(0)).toEqual(['w1', 'w3', 'w0', 'later']);
    expect(withRandom(0.3)).toEqual(['w3', 'w1', 'w0', 'later']);
    expect(withRandom(0.999_999_999_999)).toEqual(['w3', 'w1', 'w0', 'later']);
  });

  it('shares first place in proportion to weight', () => {
    const weighted = routingTable([carrier(1, 'w1', { weight: 1 }), carrier(2, 'w3', { weight: 3 })], [rate(1, '1', 1), rate(2, '1', 1)]);
    const firsts = { w1: 0, w3: 0 };
    for (let i = 0; i < 400; i += 1) {
      const first = routeLeg(weighted, '+1555', { ...options, policy: 'priority', random: () => (i + 0.5) / 400 }).tries[0]?.carrier.name as 'w1' | 'w3';
      firsts[first] += 1;
    }
    expect(firsts).toEqual({ w1: 100, w3: 300 });
  });

  it('puts a carrier without any buy rate after every rated one, by priority, and never judges it a loss', async () => {
    const withUnrated = routingTable([cheap, carrier(7, 'legacy-b', { priority: 2 }), carrier(8, 'legacy-a', { priority: 1 })], [rate(1, '49', 999_999)]);
    const route = routeLeg(withUnrated, '+4930', { ...options, allowLossCalls: false, sell: { terms: perSecond(1), currency: 'USD' } });
    expect(names(route)).toEqual(['legacy-a', 'legacy-b']);
    expect(route.skipped).toEqual([{ carrier: 'cheap', reason: 'loss' }]);
    expect(names(routeLeg(withUnrated, '+4930', { ...options, allowLossCalls: true }))).toEqual(['cheap', 'legacy-a', 'legacy-b']);
    expect(names(routeLeg(withUnrated, '+4930', { ...options, pinnedCarrier: 'legacy-b' }))).toEqual(['legacy-b']);
  });

  it('ignores a rate of a carrier it does not know (deleted since the rates were read)', () => {
    expect(names(routeLeg(routingTable([cheap], [rate(1, '49', 1), rate(9, '49', 0)]), '+491', options))).toEqual(['cheap']);
  });

  it('always lists every eligible carrier once, cheapest policy sorted by rate (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ prefix: fc.stringMatching(/^[1-9][0-9]{0,3}$/), price: fc.nat(1000), priority: fc.nat(5), enabled: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.stringMatching(/^[1-9][0-9]{5,10}$/),
        fc.constantFrom<RouteOptions['policy']>('cheapest', 'priority'),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (specs, digits, policy, random) => {
          const carriers = specs.map((spec, index) => carrier(index + 1, `c${index + 1}`, { priority: spec.priority, enabled: spec.enabled }));
          const rates = specs.map((spec, index) => rate(index + 1, spec.prefix, spec.price));
          const route = routeLeg(routingTable(carriers, rates), `+${digits}`, { ...options, policy, sell: undefined, random: () => random });
          const matching = specs.map((spec, index) => ({ ...spec, id: index + 1 })).filter((spec) => digits.startsWith(spec.prefix));
          expect(route.tries.map((entry) => entry.carrier.id).sort((a, b) => a - b)).toEqual(matching.filter((spec) => spec.enabled).map((spec) => spec.id));
          expect(route.skipped.length).toBe(matching.filter((spec) => !spec.enabled).length);
          const keys = route.tries.map((entry) => (policy === 'cheapest' ? (entry.rate?.ratePerMinute ?? -1) : entry.carrier.priority));
          expect(keys).toEqual([...keys].sort((a, b) => a - b));
        },
      ),
    );
  });
});

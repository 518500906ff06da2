import { routingBench } from '../../bench/routing';

// Proves the harness works; speed is judged by `npm run bench`, never by a test.
describe('the routing benchmark', () => {
  it('routes every leg over every carrier that has a rate for it', () => {
    const result = routingBench({ legs: 200, prefixes: 500 });
    expect(result).toMatchObject({ scenario: 'routing', carriers: 5, prefixesPerCarrier: 500, legs: 200 });
    expect(result.averageTries).toBeGreaterThan(1);
    expect(result.averageTries).toBeLessThanOrEqual(5);
  });
});

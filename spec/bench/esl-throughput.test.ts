import { eslThroughput } from '../../bench/esl-throughput';

// Proves the harness works; speed is judged by `npm run bench`, never by a test.
describe('the ESL throughput benchmark', () => {
  it('feeds the same recorded events to both parsers and counts them all', () => {
    const result = eslThroughput({ minEvents: 300, runs: 1 });
    expect(result.events).toBeGreaterThanOrEqual(300);
    expect(result.ours.eventsPerSecond).toBeGreaterThan(0);
    expect(result.modesl.eventsPerSecond).toBeGreaterThan(0);
  });
});

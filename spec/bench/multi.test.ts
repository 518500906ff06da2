import { multiInstance } from '../../bench/multi';
import { allOf, describeWith, testMariadb, testRedis } from '../support/external-services';

// Proves the harness works; the combined rate is judged by `npm run bench`, never by a test.
describeWith(allOf(testMariadb(), testRedis()), 'the multi-instance benchmark', () => {
  it('runs two controllers on one database and queue, and dials every request once between them', async () => {
    const result = await multiInstance({ short: true, redisUrl: process.env.TEST_REDIS_URL ?? '' });
    const [step] = result.steps;
    expect(step?.dialedTwice).toBe(0);
    expect(step?.neverDialed).toBe(0);
    expect(step?.dialedPerInstance.reduce((sum, count) => sum + count, 0)).toBe(step?.ordered);
  }, 120_000);
});

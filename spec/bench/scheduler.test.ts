import { schedulerBackends, schedulerBench } from '../../bench/scheduler';

// Proves the harness works; lateness is judged by `npm run bench`, never by a test.
describe('the scheduler benchmark', () => {
  it('dials every scheduled request once', async () => {
    const result = await schedulerBench({ requests: 1_000, windowMs: 2_000, leadMs: 1_000, ...schedulerBackends() });
    expect(result.dialedOnce).toBe(1_000);
    expect(result.latenessMs.count).toBe(1_000);
  }, 60_000);
});

import { concurrency } from '../../bench/concurrency';

// Proves the harness works; memory and lag are judged by `npm run bench`, never by a test.
describe('the concurrency benchmark', () => {
  it('holds bridged calls in one controller and sends them DTMF', async () => {
    const result = await concurrency({ calls: 100, dtmfSeconds: 2 });
    expect(result.bridged).toBe(100);
    expect(result.dtmfSent).toBeGreaterThan(0);
    expect(result.heapKbPerCall).not.toBeNaN();
  }, 60_000);
});

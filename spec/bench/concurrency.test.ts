import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concurrency } from '../../bench/concurrency';
import { concurrencyInFreshProcess } from '../../bench/concurrency-child';
import { heapDiff } from '../../bench/heap-diff';

// Proves the harness works; memory and lag are judged by `npm run bench`, never by a test.
describe('the concurrency benchmark', () => {
  it('holds bridged calls in one controller, a fresh process as `npm run bench` runs it, and sends them DTMF', async () => {
    const result = await concurrencyInFreshProcess({ calls: 100, dtmfSeconds: 2 });
    expect(result.bridged).toBe(100);
    expect(result.dtmfSent).toBeGreaterThan(0);
    expect(result.heapKbPerCall).not.toBeNaN();
  }, 60_000);

  it('writes heap snapshots of the idle controller and the held calls, which heap-diff tells apart per call', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'heap-snapshots-'));
    try {
      await concurrency({ calls: 20, dtmfSeconds: 0, heapSnapshots: folder });
      const rows = heapDiff(join(folder, 'idle-20.heapsnapshot'), join(folder, 'held-20.heapsnapshot'), 20);
      // Each held call has its outbound session (leg A's socket) and two legs.
      expect(rows.find((row) => row.kind === 'object CallSession')?.perCall).toBe(1);
      expect(rows.find((row) => row.kind === 'object LiveLeg')?.perCall).toBe(2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    // Two heap snapshots of a whole controller: minutes on a loaded machine.
  }, 300_000);
});

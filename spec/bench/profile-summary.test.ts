import { ownerOf, summarise } from '../../bench/profile-summary';

describe('the CPU profile summary', () => {
  it('names the owner of a frame: a dependency, a file of ours, or none', () => {
    expect(ownerOf('file:///work/x/node_modules/knex/lib/client.js')).toBe('nm:knex');
    expect(ownerOf('file:///work/x/node_modules/@scope/pkg/index.js')).toBe('nm:@scope/pkg');
    expect(ownerOf('file:///work/x/lib/store/rows.ts')).toBe('lib/store/rows.ts');
    expect(ownerOf('file:///work/x/bench/stats.ts')).toBe('bench/stats.ts');
    expect(ownerOf('node:internal/timers')).toBeNull();
    expect(ownerOf('')).toBeNull();
  });

  it('charges each busy sample to the innermost owned frame and leaves idle samples out', () => {
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 9 }, children });
    const profile = {
      nodes: [
        frame(1, '(root)', '', [2, 5]),
        frame(2, 'settle', 'file:///r/lib/callback/engine/settlement.ts', [3]),
        frame(3, 'query', 'file:///r/node_modules/mysql2/lib/connection.js', [4]),
        frame(4, 'writeBuffer', ''),
        frame(5, '(idle)', ''),
      ],
      // 4 samples over 4 ms: two in a native frame under mysql2, one in ours, one idle.
      samples: [4, 4, 2, 5],
      startTime: 0,
      endTime: 4000,
    };
    const summary = summarise(profile);
    expect(summary.busyMs).toBe(3);
    expect([...summary.byModule]).toEqual([
      ['nm:mysql2', 2],
      ['lib/callback/engine/settlement.ts', 1],
    ]);
    expect(summary.byFunction.get('query nm:mysql2:10')).toBe(2);
  });
});

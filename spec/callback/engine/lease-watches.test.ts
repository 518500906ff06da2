import { LeaseWatches } from '../../../lib/callback/engine/lease';

describe('LeaseWatches (pure): who hears that a lease the heartbeat could not renew is lost', () => {
  it('tells each watcher of a lost lease once, and nobody of leases nobody watches', () => {
    const watches = new LeaseWatches();
    const heard: string[] = [];
    watches.watch('r1', () => heard.push('r1'));
    watches.watch('r2', () => heard.push('r2'));
    watches.lost(['r1', 'unknown']);
    watches.lost(['r1']);
    expect(heard).toEqual(['r1']);
    expect(watches.ids()).toEqual(['r2']);
    watches.lost(['r2', 'r2']);
    expect(heard).toEqual(['r1', 'r2']);
    expect(watches.ids()).toEqual([]);
  });

  it('a stopped watch hears nothing (its request released the lease itself), and stopping never ends a newer watch of the same request', () => {
    const watches = new LeaseWatches();
    const heard: string[] = [];
    const first = watches.watch('r1', () => heard.push('first'));
    first.stop();
    watches.lost(['r1']);
    expect(heard).toEqual([]);
    const old = watches.watch('r2', () => heard.push('old'));
    watches.watch('r2', () => heard.push('new'));
    old.stop();
    watches.lost(['r2']);
    expect(heard).toEqual(['new']);
  });
});

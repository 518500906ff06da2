import { StreamSlots } from '../../lib/http/live/stream-slots';

describe('live stream slots', () => {
  it('give each client at most its limit and all clients together at most the total; a released slot is free again, once', () => {
    const slots = new StreamSlots({ perKey: 2, total: 3 });
    const a1 = slots.take('a');
    const a2 = slots.take('a');
    expect([a1.ok, a2.ok]).toEqual([true, true]);
    expect(slots.take('a')).toEqual({ ok: false, full: 'key' });
    const b1 = slots.take('b');
    expect(b1.ok).toBe(true);
    expect(slots.take('c')).toEqual({ ok: false, full: 'total' });
    if (!a1.ok) throw new Error('unreachable');
    a1.release();
    a1.release();
    // One slot came back, not two: c gets it, and the total is full again for everyone.
    expect(slots.take('c').ok).toBe(true);
    expect(slots.take('a')).toEqual({ ok: false, full: 'total' });
    expect(slots.take('d')).toEqual({ ok: false, full: 'total' });
  });
});

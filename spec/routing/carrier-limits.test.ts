import { InProcessCarrierLimits } from '../../lib/routing/carrier-limits';
import { ManualClock } from '../../lib/time/clock';
import { carrier } from './fixtures';

describe('InProcessCarrierLimits', () => {
  it('refuses a carrier at its channel limit until a channel is released, once', () => {
    const limits = new InProcessCarrierLimits(new ManualClock(0));
    const two = carrier(1, 'two', { maxChannels: 2 });
    const first = limits.take(two);
    const second = limits.take(two);
    expect(limits.take(two)).toBe('max_channels');
    if (typeof first === 'string' || typeof second === 'string') throw new Error('expected slots');
    first.release();
    first.release();
    expect(limits.channels(1)).toBe(1);
    expect(typeof limits.take(two)).toBe('object');
    expect(limits.take(two)).toBe('max_channels');
  });

  it('lets maxCps new calls through per second, on the clock', async () => {
    const clock = new ManualClock(0);
    const limits = new InProcessCarrierLimits(clock);
    const paced = carrier(1, 'paced', { maxCps: 2 });
    expect([limits.take(paced), limits.take(paced), limits.take(paced)].map((slot) => (typeof slot === 'string' ? slot : 'ok'))).toEqual(['ok', 'ok', 'max_cps']);
    await clock.advance(500);
    expect(typeof limits.take(paced)).toBe('object');
    expect(limits.take(paced)).toBe('max_cps');
  });

  it('has no limits for a carrier without them, and keeps carriers apart', () => {
    const limits = new InProcessCarrierLimits(new ManualClock(0));
    const free = carrier(1, 'free');
    const one = carrier(2, 'one', { maxChannels: 1 });
    for (let i = 0; i < 1000; i += 1) expect(typeof limits.take(free)).toBe('object');
    expect(typeof limits.take(one)).toBe('object');
    expect(limits.take(one)).toBe('max_channels');
  });

  it('counts a channel that is up already even beyond the limit, until it is released', () => {
    const limits = new InProcessCarrierLimits(new ManualClock(0));
    const one = carrier(1, 'one', { maxChannels: 1 });
    expect(typeof limits.take(one)).toBe('object');
    const adopted = limits.hold(one);
    expect(limits.channels(1)).toBe(2);
    adopted.release();
    adopted.release();
    expect(limits.channels(1)).toBe(1);
  });

  it('follows a changed CPS limit with a fresh bucket', () => {
    const limits = new InProcessCarrierLimits(new ManualClock(0));
    expect(typeof limits.take(carrier(1, 'c', { maxCps: 1 }))).toBe('object');
    expect(limits.take(carrier(1, 'c', { maxCps: 1 }))).toBe('max_cps');
    expect(typeof limits.take(carrier(1, 'c', { maxCps: 5 }))).toBe('object');
  });
});

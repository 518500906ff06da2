import { SocketWindow } from '../../../lib/callback/engine/socket-window';

let now = 0;
let changes = 0;
const windowOf = (limit: number): SocketWindow =>
  new SocketWindow({ limit, maxLateMs: 2_000, now: () => now }, () => {
    changes += 1;
  });

beforeEach(() => {
  now = 0;
  changes = 0;
});

describe('SocketWindow (one node)', () => {
  it('is open while fewer legs than the limit are late or launching, and counts a launch until it is over', () => {
    const window = windowOf(2);
    const first = window.launch();
    expect(window.open).toBe(true);
    const second = window.launch();
    expect(window.open).toBe(false);
    first.launched();
    first.launched();
    expect(window.open).toBe(true);
    expect(changes).toBe(1);
    second.gone();
    expect(changes).toBe(2);
    expect(window.launch()).toBeDefined();
    expect(window.launch()).toBeDefined();
    expect(window.open).toBe(false);
  });

  it('counts a late leg until its socket arrives or it is gone, once however often it is said', () => {
    const window = windowOf(2);
    const [a, b] = [window.launch(), window.launch()];
    a.launched();
    b.launched();
    a.late();
    a.late();
    expect(window.late).toBe(1);
    expect(window.open).toBe(true);
    b.late();
    expect(window.late).toBe(2);
    expect(window.open).toBe(false);
    const before = changes;
    a.arrived();
    expect(window.late).toBe(1);
    expect(changes).toBe(before + 1);
    b.gone();
    b.gone();
    expect(window.late).toBe(0);
    expect(changes).toBe(before + 2);
    b.late();
    expect(window.late).toBe(0);
  });

  it('does not call a leg going late a change: it can only close the window', () => {
    const window = windowOf(5);
    const leg = window.launch();
    leg.launched();
    const before = changes;
    leg.late();
    expect(changes).toBe(before);
  });

  it('closes when its oldest late leg has been late for maxLateMs, whatever the count, and opens once that leg is gone', () => {
    const window = windowOf(100);
    const [old, young] = [window.launch(), window.launch()];
    old.launched();
    young.launched();
    old.late();
    now = 1_500;
    young.late();
    now = 1_999;
    expect(window.open).toBe(true);
    now = 2_000;
    expect(window.open).toBe(false);
    old.gone();
    expect(window.open).toBe(true);
    now = 3_500;
    expect(window.open).toBe(false);
    young.gone();
    expect(window.open).toBe(true);
  });

  it('stops counting a late leg towards the age once the socket of a leg that went late after it arrives, but still counts it towards the limit', () => {
    const window = windowOf(2);
    const [old, young] = [window.launch(), window.launch()];
    old.launched();
    young.launched();
    old.late();
    now = 500;
    young.late();
    now = 2_500;
    expect(window.open).toBe(false);
    const before = changes;
    young.arrived();
    expect(changes).toBe(before + 1);
    expect(window.open).toBe(true);
    expect(window.late).toBe(1);
    now = 60_000;
    expect(window.open).toBe(true);
    window.launch();
    expect(window.open).toBe(false);
    old.arrived();
    expect(window.late).toBe(0);
  });

  it('keeps counting younger late legs towards the age when an older one arrives', () => {
    const window = windowOf(10);
    const [old, young] = [window.launch(), window.launch()];
    old.launched();
    young.launched();
    old.late();
    now = 500;
    young.late();
    old.arrived();
    now = 2_499;
    expect(window.open).toBe(true);
    now = 2_500;
    expect(window.open).toBe(false);
  });

  it('takes the socket of a leg launched after a leg went late, never late itself, as proof for that leg, not for legs late after the launch', () => {
    const window = windowOf(10);
    const old = window.launch();
    old.launched();
    old.late();
    const probe = window.launch();
    now = 100;
    const later = window.launch();
    later.launched();
    later.late();
    probe.launched();
    probe.arrived();
    now = 2_000;
    expect(window.open).toBe(true);
    now = 2_100;
    expect(window.open).toBe(false);
    expect(window.late).toBe(2);
  });

  it('takes no proof from the socket of a leg launched before the late leg went late', () => {
    const window = windowOf(10);
    const [early, old] = [window.launch(), window.launch()];
    early.launched();
    old.launched();
    old.late();
    early.arrived();
    now = 2_000;
    expect(window.open).toBe(false);
  });

  it('excuses every leg late before the arrival at once, and only those', () => {
    const window = windowOf(10);
    const legs = [0, 1, 2, 3].map(() => window.launch());
    legs.forEach((leg, i) => {
      leg.launched();
      now = i * 100;
      leg.late();
    });
    legs[2]!.arrived();
    now = 2_299;
    expect(window.open).toBe(true);
    now = 2_300;
    expect(window.open).toBe(false);
    expect(window.late).toBe(3);
    legs[3]!.gone();
    expect(window.open).toBe(true);
    expect(window.late).toBe(2);
    legs[0]!.gone();
    legs[1]!.arrived();
    expect(window.late).toBe(0);
  });

  it('counts a leg late again, with a new age, when it goes late after its socket came and failed', () => {
    const window = windowOf(10);
    const leg = window.launch();
    leg.launched();
    leg.late();
    leg.arrived();
    now = 1_000;
    leg.late();
    expect(window.late).toBe(1);
    now = 2_999;
    expect(window.open).toBe(true);
    now = 3_000;
    expect(window.open).toBe(false);
  });

  it('refuses a limit that is not a positive integer, or a maxLateMs that is not positive', () => {
    expect(() => windowOf(0)).toThrow('socket window: expected a positive integer limit, got 0');
    expect(() => windowOf(1.5)).toThrow(RangeError);
    expect(() => new SocketWindow({ limit: 1, maxLateMs: 0, now: () => 0 }, () => undefined)).toThrow('socket window: expected a positive maxLateMs, got 0');
  });
});

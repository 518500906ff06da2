import type { WindowLeg } from '../../../lib/callback/engine/socket-window';
import { SocketWindows, type NodeChoice } from '../../../lib/callback/engine/socket-windows';
import { NoCapacity } from '../../../lib/esl/errors';

/** Resolves every pending microtask chain of the windows' promises. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let now = 0;
const windowsOf = (limit: number): SocketWindows => new SocketWindows({ limit, maxLateMs: 2_000, now: () => now });

beforeEach(() => {
  now = 0;
});

/** Picks the first open node, recording what it was offered. */
function firstOpen(among: readonly string[], offered: string[][] = []): NodeChoice {
  return {
    among,
    pick: (open) => {
      offered.push([...open]);
      return open[0]!;
    },
  };
}

interface Asked {
  /** The node each got, once admitted. */
  nodes: Array<string | undefined>;
  legs: WindowLeg[];
  errors: unknown[];
}

/** `count` originates asking for room on `choice`, in order. */
function ask(windows: SocketWindows, count: number, choice: NodeChoice): Asked {
  const asked: Asked = { nodes: Array.from({ length: count }, () => undefined), legs: [], errors: [] };
  for (let i = 0; i < count; i += 1) {
    windows.room(choice).then(
      ({ node, leg }) => {
        asked.nodes[i] = node;
        asked.legs[i] = leg;
      },
      (error: unknown) => asked.errors.push(error),
    );
  }
  return asked;
}

/** A leg launched on `node` and answered without its socket. */
async function lateOn(windows: SocketWindows, node: string): Promise<WindowLeg> {
  const { legs } = ask(windows, 1, firstOpen([node]));
  await settle();
  const leg = legs[0]!;
  leg.launched();
  leg.late();
  return leg;
}

describe('SocketWindows', () => {
  it('admits at once on the node the pick chose among the open ones', async () => {
    const windows = windowsOf(2);
    const offered: string[][] = [];
    const asked = ask(windows, 1, firstOpen(['fs1', 'fs2'], offered));
    await settle();
    expect(asked.nodes).toEqual(['fs1']);
    expect(offered).toEqual([['fs1', 'fs2']]);
    expect(windows.queued).toBe(0);
  });

  it('queues originates while their node is full and lets them through in order as places free up', async () => {
    const windows = windowsOf(2);
    const late = [await lateOn(windows, 'fs1'), await lateOn(windows, 'fs1')];
    const asked = ask(windows, 3, firstOpen(['fs1']));
    await settle();
    expect(asked.nodes).toEqual([undefined, undefined, undefined]);
    expect(windows.queued).toBe(3);
    expect(windows.late).toBe(2);
    late[0]!.arrived();
    await settle();
    expect(asked.nodes).toEqual(['fs1', undefined, undefined]);
    late[1]!.gone();
    await settle();
    expect(asked.nodes).toEqual(['fs1', 'fs1', undefined]);
    asked.legs[0]!.launched();
    await settle();
    expect(asked.nodes).toEqual(['fs1', 'fs1', 'fs1']);
    expect(windows.queued).toBe(0);
  });

  it('lets a newcomer for the same nodes queue behind those already waiting', async () => {
    const windows = windowsOf(1);
    const late = await lateOn(windows, 'fs1');
    const waiting = ask(windows, 1, firstOpen(['fs1']));
    late.gone();
    const newcomer = ask(windows, 1, firstOpen(['fs1']));
    await settle();
    expect(waiting.nodes).toEqual(['fs1']);
    expect(newcomer.nodes).toEqual([undefined]);
    waiting.legs[0]!.launched();
    await settle();
    expect(newcomer.nodes).toEqual(['fs1']);
  });

  it("keeps dialing other nodes while one node's old late leg closes its window, and sends legs that may go anywhere there", async () => {
    const windows = windowsOf(100);
    const stuck = await lateOn(windows, 'fs1');
    now = 2_000;
    const offered: string[][] = [];
    const onlyFs1 = ask(windows, 1, firstOpen(['fs1']));
    const either = ask(windows, 2, firstOpen(['fs1', 'fs2'], offered));
    const onlyFs2 = ask(windows, 1, firstOpen(['fs2']));
    await settle();
    expect(onlyFs1.nodes).toEqual([undefined]);
    expect(either.nodes).toEqual(['fs2', 'fs2']);
    expect(offered).toEqual([['fs2'], ['fs2']]);
    expect(onlyFs2.nodes).toEqual(['fs2']);
    expect(windows.queued).toBe(1);
    stuck.gone();
    await settle();
    expect(onlyFs1.nodes).toEqual(['fs1']);
  });

  it('reopens a node whose old late leg is proved not queued by a younger leg of that node, not by a leg of another node', async () => {
    const windows = windowsOf(100);
    await lateOn(windows, 'fs1');
    now = 500;
    const otherNode = await lateOn(windows, 'fs2');
    const sameNode = await lateOn(windows, 'fs1');
    now = 2_000;
    const waiting = ask(windows, 1, firstOpen(['fs1']));
    otherNode.arrived();
    await settle();
    expect(waiting.nodes).toEqual([undefined]);
    sameNode.arrived();
    await settle();
    expect(waiting.nodes).toEqual(['fs1']);
    expect(windows.late).toBe(1);
  });

  it('fails the originate whose pick throws and still admits those behind it', async () => {
    const windows = windowsOf(5);
    const refusal = new NoCapacity([{ name: 'fs1', reason: 'cps' }]);
    const refused = ask(windows, 1, {
      among: ['fs1'],
      pick: () => {
        throw refusal;
      },
    });
    const next = ask(windows, 1, firstOpen(['fs1']));
    await settle();
    expect(refused.errors).toEqual([refusal]);
    expect(next.nodes).toEqual(['fs1']);
    expect(windows.queued).toBe(0);
  });

  it('asks the pick with no node at all when a leg may go nowhere, so that it says why', async () => {
    const windows = windowsOf(5);
    const asked = ask(windows, 1, {
      among: [],
      pick: () => {
        throw new NoCapacity([]);
      },
    });
    await settle();
    expect(asked.errors).toHaveLength(1);
    expect(asked.errors[0]).toBeInstanceOf(NoCapacity);
  });

  it('sums late legs over the nodes', async () => {
    const windows = windowsOf(5);
    await lateOn(windows, 'fs1');
    await lateOn(windows, 'fs2');
    const gone = await lateOn(windows, 'fs2');
    expect(windows.late).toBe(3);
    gone.gone();
    expect(windows.late).toBe(2);
  });

  it("keeps a node's window while a leg is in it, ringing ones too, and drops it with its last leg", async () => {
    const windows = windowsOf(1);
    const ringing = ask(windows, 1, firstOpen(['fs1']));
    await settle();
    ringing.legs[0]!.launched();
    const other = await lateOn(windows, 'fs2');
    expect(windows.nodesWithLegs).toBe(2);
    // The ringing leg counted nothing, but it may answer late: its window is still the one it counts in.
    ringing.legs[0]!.late();
    const waiting = ask(windows, 1, firstOpen(['fs1']));
    await settle();
    expect(waiting.nodes).toEqual([undefined]);
    ringing.legs[0]!.gone();
    ringing.legs[0]!.gone();
    await settle();
    expect(waiting.nodes).toEqual(['fs1']);
    expect(windows.nodesWithLegs).toBe(2);
    waiting.legs[0]!.launched();
    waiting.legs[0]!.gone();
    other.arrived();
    expect(windows.nodesWithLegs).toBe(1);
    other.gone();
    expect(windows.nodesWithLegs).toBe(0);
    expect(windows.late).toBe(0);
    // Calls on legs of a dropped window change nothing, and the node's next leg starts a new one.
    ringing.legs[0]!.arrived();
    other.late();
    const again = await lateOn(windows, 'fs1');
    expect([windows.nodesWithLegs, windows.late]).toEqual([1, 1]);
    again.gone();
    expect(windows.nodesWithLegs).toBe(0);
  });

  it('keeps no window for a node an originate only waited for or was refused on', async () => {
    const windows = windowsOf(1);
    const stuck = await lateOn(windows, 'fs1');
    const waiting = ask(windows, 1, firstOpen(['fs1']));
    const refused = ask(windows, 1, {
      among: ['fs2'],
      pick: () => {
        throw new NoCapacity([{ name: 'fs2', reason: 'cps' }]);
      },
    });
    await settle();
    expect([waiting.nodes, refused.errors.length, windows.nodesWithLegs]).toEqual([[undefined], 1, 1]);
    stuck.gone();
    await settle();
    expect(waiting.nodes).toEqual(['fs1']);
    waiting.legs[0]!.gone();
    expect(windows.nodesWithLegs).toBe(0);
  });

  it('refuses bad limits before any node is seen', () => {
    expect(() => windowsOf(0)).toThrow('socket window: expected a positive integer limit, got 0');
  });
});

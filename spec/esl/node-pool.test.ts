import { EslCommandFailed, NoCapacity } from '../../lib/esl/errors';
import type { HealthState } from '../../lib/esl/inbound-client';
import { NodePool, type PoolClient } from '../../lib/esl/node-pool';
import { memoryLogger } from '../support/esl-fakes';
import { EslHeaders, type EslEvent } from '../../lib/esl/wire';
import type { OriginateRequest } from '../../lib/esl/dial-string';
import { ManualClock, flushAsync } from '../../lib/time/clock';

type Listener = (...args: never[]) => void;

class FakeClient implements PoolClient {
  state: HealthState = 'ready';
  readonly originated: OriginateRequest[] = [];
  channelsListing = 'uuid,direction,created\n\n0 total.\n';
  result: (request: OriginateRequest) => Promise<string> = (request) => Promise.resolve(request.uuid);
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(readonly name: string) {}

  on: PoolClient['on'] = (type, listener) => {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    set.add(listener as Listener);
    this.listeners.set(type, set);
    return () => void set.delete(listener as Listener);
  };

  originate(request: OriginateRequest): Promise<string> {
    this.originated.push(request);
    return this.result(request);
  }

  api(command: string): Promise<string> {
    return command === 'show channels' ? Promise.resolve(this.channelsListing) : Promise.reject(new Error(`unexpected api ${command}`));
  }

  setState(state: HealthState): void {
    this.state = state;
    for (const listener of this.listeners.get('state') ?? []) (listener as (s: HealthState, r: string) => void)(state, 'test');
  }

  emitEvent(name: string, uuid: string): void {
    const event: EslEvent = { name, headers: EslHeaders.from({ 'Event-Name': name, 'Unique-ID': uuid }) };
    for (const listener of this.listeners.get('event') ?? []) (listener as (e: EslEvent) => void)(event);
  }
}

let seq = 0;
function request(): OriginateRequest {
  seq++;
  return { uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, gateway: 'carrier', number: '1000', timeoutSec: 30, socket: 'park' };
}

function pool(configs: Array<{ client: FakeClient; maxChannels?: number; maxCps?: number }>, clock = new ManualClock()) {
  const { logger } = memoryLogger();
  const nodePool = new NodePool({
    nodes: configs.map(({ client, maxChannels = 100, maxCps = 100 }) => ({ client, maxChannels, maxCps })),
    logger,
    clock,
  });
  return { nodePool, clock };
}

describe('NodePool', () => {
  it('sends each originate to the least-loaded ready node', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool } = pool([{ client: a, maxChannels: 10 }, { client: b, maxChannels: 10 }]);
    await flushAsync();
    a.emitEvent('CHANNEL_CREATE', 'x1');
    a.emitEvent('CHANNEL_CREATE', 'x2');
    const first = await nodePool.originate(request());
    expect(first.node).toBe('b');
    await nodePool.originate(request());
    expect(nodePool.snapshot().map((n) => [n.name, n.channels])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
  });

  it('counts channels down on CHANNEL_HANGUP_COMPLETE and frees a failed originate at once', async () => {
    const a = new FakeClient('a');
    const { nodePool } = pool([{ client: a, maxChannels: 1 }]);
    const { uuid } = await nodePool.originate(request());
    expect(() => nodePool.pick()).toThrow(NoCapacity);
    a.emitEvent('CHANNEL_HANGUP_COMPLETE', uuid);
    a.result = () => Promise.reject(new EslCommandFailed('originate', 'USER_BUSY', 'USER_BUSY'));
    await expect(nodePool.originate(request())).rejects.toBeInstanceOf(EslCommandFailed);
    expect(nodePool.snapshot()[0]?.channels).toBe(0);
  });

  it('skips nodes that are down and throws NoCapacity with the reasons when none can take a call', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool } = pool([{ client: a }, { client: b, maxChannels: 1 }]);
    a.setState('down');
    await nodePool.originate(request());
    const error = await nodePool.originate(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoCapacity);
    expect((error as NoCapacity).nodes).toEqual([
      { name: 'a', reason: 'down' },
      { name: 'b', reason: 'full' },
    ]);
  });

  it('limits calls per second with a token bucket on the clock', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool, clock } = pool([
      { client: a, maxCps: 2 },
      { client: b, maxCps: 1 },
    ]);
    const nodes = [];
    for (let i = 0; i < 3; i++) nodes.push((await nodePool.originate(request())).node);
    expect(nodes.sort()).toEqual(['a', 'a', 'b']);
    await expect(nodePool.originate(request())).rejects.toMatchObject({ name: 'NoCapacity', nodes: [expect.objectContaining({ reason: 'cps' }), expect.objectContaining({ reason: 'cps' })] });
    await clock.advance(500);
    expect((await nodePool.originate(request())).node).toBe('a');
    await expect(nodePool.originate(request())).rejects.toBeInstanceOf(NoCapacity);
    await clock.advance(500);
    expect(nodePool.snapshot().map((n) => n.cpsAvailable)).toEqual([1, 1]);
  });

  it('originates on a pinned node with the same bookkeeping, refusing with that node\'s reason only', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool } = pool([
      { client: a, maxChannels: 2, maxCps: 2 },
      { client: b, maxChannels: 10, maxCps: 10 },
    ]);
    await flushAsync();
    // a is the more loaded one, and still takes the leg.
    a.emitEvent('CHANNEL_CREATE', 'x1');
    expect((await nodePool.originate(request(), { node: 'a' })).node).toBe('a');
    expect(a.originated).toHaveLength(1);
    expect(nodePool.snapshot().map((n) => [n.name, n.channels, n.cpsAvailable])).toEqual([
      ['a', 2, 1],
      ['b', 0, 10],
    ]);
    await expect(nodePool.originate(request(), { node: 'a' })).rejects.toMatchObject({ name: 'NoCapacity', nodes: [{ name: 'a', reason: 'full' }] });
    await expect(nodePool.originate(request(), { node: 'c' })).rejects.toMatchObject({ name: 'NoCapacity', nodes: [{ name: 'c', reason: 'unknown node' }] });
    b.setState('down');
    await expect(nodePool.originate(request(), { node: 'b' })).rejects.toMatchObject({ nodes: [{ name: 'b', reason: 'down' }] });
  });

  it('picks a node with room for a pair of legs without taking its CPS tokens', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool } = pool([
      { client: a, maxChannels: 10, maxCps: 1 },
      { client: b, maxChannels: 10, maxCps: 2 },
    ]);
    await flushAsync();
    b.emitEvent('CHANNEL_CREATE', 'x1');
    // a is less loaded but has CPS for one originate only.
    expect(nodePool.pick(2).name).toBe('b');
    expect(nodePool.pick().name).toBe('a');
    expect(nodePool.snapshot().map((n) => n.cpsAvailable)).toEqual([1, 2]);
    await nodePool.originate(request(), { node: 'b' });
    await nodePool.originate(request(), { node: 'b' });
    expect(() => nodePool.pick(2)).toThrow(NoCapacity);
  });

  it('picks only among the nodes it is given (those with the leg\'s carrier gateway)', async () => {
    const a = new FakeClient('a');
    const b = new FakeClient('b');
    const { nodePool } = pool([{ client: a }, { client: b }]);
    b.emitEvent('CHANNEL_CREATE', 'x1');
    expect(nodePool.pick(1).name).toBe('a');
    expect(nodePool.pick(1, ['b']).name).toBe('b');
    expect(nodePool.pick(1, ['b', 'a']).name).toBe('a');
    expect(() => nodePool.pick(1, ['c'])).toThrow(NoCapacity);
    expect(() => nodePool.pick(1, [])).toThrow(NoCapacity);
  });

  it('re-reads the channel list when a node comes back, since events were lost meanwhile', async () => {
    const a = new FakeClient('a');
    const { nodePool } = pool([{ client: a }]);
    await nodePool.originate(request());
    a.emitEvent('CHANNEL_CREATE', 'lost-hangup');
    a.setState('down');
    a.channelsListing = 'uuid,direction,created\n0284840f-40b4-4053-bc58-f00a23e2de68,outbound,2026-11-26\n\n1 total.\n';
    a.setState('ready');
    await flushAsync();
    expect(nodePool.snapshot()[0]?.channels).toBe(1);
    nodePool.close();
  });
});

import { randomUUID } from 'node:crypto';
import { EslDisconnected } from '../../../lib/esl/errors';
import { describeEachDatabase } from '../../support/databases';
import { startEngineRig, type EngineRig } from '../../support/engine-harness';
import { countOriginates, destinationNumber, finishAll, sourceNumber } from './support/calls';
import { TcpProxy } from './support/tcp-proxy';

/*
 * Two FreeSWITCH nodes (two simulators); node fs1's event socket link goes through a relay the
 * test cuts and restores. Its calls live on; only our inbound connection to it breaks.
 */

describeEachDatabase('an ESL node dropping', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  let proxies: TcpProxy[] = [];

  afterEach(async () => {
    for (const proxy of proxies) proxy.restore();
    await rig?.stop();
    rig = undefined;
    for (const proxy of proxies) await proxy.close();
    proxies = [];
  });

  async function twoNodes(): Promise<EngineRig> {
    rig = await startEngineRig(getDb(), dbEngine, {
      nodes: 2,
      callback: { maxConcurrentPerAccount: 100 },
      eslPortOf: async (port) => {
        const proxy = await TcpProxy.listen(port);
        proxies.push(proxy);
        return proxy.port;
      },
    });
    return rig;
  }

  function phones(r: EngineRig, numbers: readonly number[], ringMs = 1_000): void {
    for (const sim of r.sims) {
      for (const n of numbers) {
        sim.setPhone(sourceNumber(n), { kind: 'answer', afterMs: ringMs });
        sim.setPhone(destinationNumber(n), { kind: 'answer', afterMs: 1_000, hangupAfterMs: 5_000 });
      }
    }
  }

  async function order(r: EngineRig, n: number, accountId: number): Promise<string> {
    return (await r.engine.order({ accountId, source: sourceNumber(n), destination: destinationNumber(n) })).request.id;
  }

  it("sends new originates to the other node while one node's event socket is cut off, and every call on it completes", async () => {
    const r = await twoNodes();
    const [fs1, fs2] = r.sims;
    const originatesOn1 = countOriginates([fs1!]);
    const originatesOn2 = countOriginates([fs2!]);
    const account = await r.account(100_000, { maxConcurrentCallbacks: 100 });
    phones(r, [0, 1, 2, 3]);

    proxies[0]!.cut();
    await r.runUntil(() => r.clients[0]!.state !== 'ready', 'fs1 to be seen down');
    const ids = [];
    for (let n = 0; n < 4; n += 1) ids.push(await order(r, n, account.id));
    await finishAll(r, ids, 'the calls on fs2');

    expect([...originatesOn1.values()]).toEqual([]);
    expect([...originatesOn2.values()]).toEqual([1, 1, 1, 1]);
    for (const id of ids) expect(await r.store.callbackRequests.findById(id)).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('reconnects and re-subscribes a node that comes back: events flow from it again and its calls complete there', async () => {
    const r = await twoNodes();
    const [fs1] = r.sims;
    const account = await r.account(100_000, { maxConcurrentCallbacks: 100 });
    phones(r, [0]);
    proxies[0]!.cut();
    await r.runUntil(() => r.clients[0]!.state !== 'ready', 'fs1 to be seen down');
    proxies[0]!.restore();
    await r.runUntil(() => r.clients[0]!.state === 'ready', 'fs1 to reconnect (backoff on the engine clock)');

    const events: string[] = [];
    r.clients[0]!.on('event', (event) => void events.push(event.name));
    const originatesOn1 = countOriginates([fs1!]);
    // Both nodes idle: the pool picks fs1 first.
    const id = await order(r, 0, account.id);
    await finishAll(r, [id], 'the call on fs1');

    expect([...originatesOn1.values()]).toEqual([1]);
    expect(await r.store.callbackRequests.findById(id)).toMatchObject({ state: 'completed', attempts: 1 });
    // The subscription is back: the node's channel events reach the inbound client again.
    expect(events).toEqual(expect.arrayContaining(['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', 'BACKGROUND_JOB']));
  });

  it('fails a bgapi job pending on the dropped connection at once with the typed EslDisconnected, not after its timeout', async () => {
    const r = await twoNodes();
    r.sims[0]!.setPhone('+12025559999', { kind: 'answer', afterMs: 60_000 });
    const pending = r.pool.originate({ uuid: randomUUID(), gateway: 'carrier', number: '+12025559999', timeoutSec: 120, socket: 'park' }, { node: 'fs1' });
    const outcome = pending.then(
      () => 'answered',
      (error: unknown) => error,
    );
    await r.runUntil(() => r.clients[0]!.pendingJobs === 1, 'the originate to be pending on fs1', 0);
    const cutAt = r.clock.now();

    proxies[0]!.cut();
    await r.settle();

    const error = await outcome;
    expect(error).toBeInstanceOf(EslDisconnected);
    expect(error).toMatchObject({ peer: 'fs1', command: 'originate' });
    expect(r.clients[0]!.pendingJobs).toBe(0);
    // Not one simulated millisecond passed: no timeout was involved.
    expect(r.clock.now()).toBe(cutAt);
  });

  it('does not dial a leg again whose originate result was lost with the connection: the leg answers anyway, the call completes on its first attempt and B is billed exactly though its node never reported its end', async () => {
    const r = await twoNodes();
    const originates = countOriginates(r.sims);
    const account = await r.account(100_000, { maxConcurrentCallbacks: 100 });
    phones(r, [0], 5_000);
    const id = await order(r, 0, account.id);
    await r.runUntil(() => r.clients[0]!.pendingJobs === 1, "leg A's originate to be pending on fs1");

    proxies[0]!.cut();
    await finishAll(r, [id], 'the call to end');

    expect(await r.store.callbackRequests.findById(id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(originates.get(sourceNumber(0))).toBe(1);
    const legs = await r.store.legs.listForRequest(id);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
    // B's end was never reported on the cut link: the bridge's end on A's socket ended the talk,
    // and B is billed up to that moment, not up to whenever we stopped waiting.
    const cdrB = (await r.store.cdrs.listForRequest(id)).find((cdr) => cdr.legUuid === legs[1]!.uuid);
    expect(cdrB).toMatchObject({ billsec: 5, hangupCause: 'NORMAL_CLEARING' });
    expect(await r.store.cdrs.listForRequest(id)).toHaveLength(2);
  });

  it('retries per the retry policy a request that found no node at all, and completes it once a node is back', async () => {
    const r = await twoNodes();
    const account = await r.account(100_000, { maxConcurrentCallbacks: 100 });
    phones(r, [0]);
    for (const proxy of proxies) proxy.cut();
    await r.runUntil(() => r.clients.every((client) => client.state !== 'ready'), 'both nodes to be seen down');

    const id = await order(r, 0, account.id);
    await r.runUntil(async () => (await r.store.callbackRequests.findById(id))?.state === 'retry_scheduled', 'the request to wait for a retry');
    expect(await r.store.callbackRequests.findById(id)).toMatchObject({ attempts: 1, lastCause: 'SWITCH_CONGESTION' });

    for (const proxy of proxies) proxy.restore();
    await finishAll(r, [id], 'the retry to complete');
    expect(await r.store.callbackRequests.findById(id)).toMatchObject({ state: 'completed', attempts: 2 });
  });
});

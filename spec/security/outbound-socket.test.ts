import { OutboundServer } from '../../lib/esl/outbound-server';
import { socketPeerPolicy } from '../../lib/service/socket-peers';
import { ManualClock } from '../../lib/time/clock';
import { describeEachDatabase } from '../support/databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig } from '../support/engine-harness';
import { FakeOutboundCall, memoryLogger, waitUntil } from '../support/esl-fakes';

const FORGED = 'f0a9ed00-0000-4000-8000-000000000001';

/**
 * Issue #15 item 1: the outbound-socket server took any TCP peer at its word. A forged `connect`
 * got an access callback ordered on an account; a forged session naming a leg's origination_uuid
 * and request id was taken as that leg's answer (the real leg then hung up, B bridged to the fake).
 */
describe('outbound-socket peers outside socketServer.allowFrom', () => {
  let server: OutboundServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a peer from an address outside the allow-list is closed before anything is read, and logged', async () => {
    const { logger, records } = memoryLogger();
    const handled: string[] = [];
    server = await OutboundServer.listen({
      port: 0,
      host: '127.0.0.1',
      logger,
      peers: socketPeerPolicy({ allowFrom: ['127.0.0.1/32'], nodes: [], clock: new ManualClock() }),
      handler: async (session) => void handled.push(session.uuid),
    });
    const forged = await FakeOutboundCall.connect(server.address.port, FORGED, { localAddress: '127.0.0.2' });
    await forged.closed;
    expect(forged.commandLines()).toEqual([]);
    expect(handled).toEqual([]);
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/peer refused/), peer: '127.0.0.2' }));
  });

  it('by default allows loopback and the addresses of the configured nodes, their host names resolved, and nothing else', async () => {
    const clock = new ManualClock();
    const resolved: string[] = [];
    const client = { name: 'fs1', api: async () => '' };
    const policy = socketPeerPolicy({
      allowFrom: undefined,
      nodes: [
        { host: '10.0.0.11', client },
        { host: 'freeswitch', client: { ...client, name: 'fs2' } },
      ],
      clock,
      resolve: async (host) => {
        resolved.push(host);
        return host === 'freeswitch' ? ['172.18.0.4'] : [];
      },
    });
    expect(await policy.allows('127.0.0.1')).toBe(true);
    expect(await policy.allows('::1')).toBe(true);
    expect(await policy.allows('10.0.0.11')).toBe(true);
    expect(await policy.allows('::ffff:172.18.0.4')).toBe(true);
    expect(await policy.allows('172.18.0.5')).toBe(false);
    expect(await policy.allows('10.0.0.12')).toBe(false);
    expect(await policy.allows('')).toBe(false);
  });
});

describeEachDatabase('outbound-socket sessions must prove they are their channel', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it("a forged session from an allowed peer naming a ringing leg's origination_uuid and request id is refused; the real leg then answers, talks and is billed", async () => {
    const r = (rig = await startEngineRig(getDb(), dbEngine));
    const account = await r.account(100_000);
    r.sim.setPhone(SOURCE, { kind: 'answer', afterMs: 8_000 });
    r.sim.setPhone(DESTINATION, { kind: 'answer', hangupAfterMs: 30_000 });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    await r.runUntil(async () => (await r.store.legs.listForRequest(request.id)).length === 1 && r.sim.channels().length === 1, 'A ringing');
    const [a] = await r.store.legs.listForRequest(request.id);
    const forged = await FakeOutboundCall.connect(r.socket.port, a!.uuid, {
      connectVariables: { 'Answer-State': 'answered', variable_callback_request_id: request.id, variable_origination_uuid: a!.uuid },
    });
    // The forger even answers getvar, with a guess.
    forged.variables.set('callback_socket_proof', 'guess');
    await forged.closed;
    expect(forged.commandLines().some((line) => line === 'sendmsg')).toBe(false);
    expect(r.sim.channel(a!.uuid)?.answerState).toBe('ringing');

    const done = await r.finish(request.id);
    expect(done.state).toBe('completed');
    const legs = await r.store.legs.listForRequest(request.id);
    expect(legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
    expect(legs.every((leg) => (leg.billsec ?? 0) >= 30)).toBe(true);
    const cdrs = await r.store.cdrs.listForRequest(request.id);
    expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
  });

  it('a forged access-number "connect" reaches no call flow and orders nothing; a real access call does reach it', async () => {
    const handled: string[] = [];
    const r = (rig = await startEngineRig(getDb(), dbEngine, {
      sessionHandler: async (session) => {
        handled.push(session.uuid);
        await session.reject('USER_BUSY');
      },
    }));
    const requestsBefore = await getDb()('callback_requests').count({ n: '*' }).first();
    const forged = await FakeOutboundCall.connect(r.socket.port, FORGED, { connectVariables: { 'Caller-Caller-ID-Number': '+12025550101' } });
    await forged.closed;
    await r.settle();
    expect(handled).toEqual([]);
    expect(forged.commandLines().some((line) => line === 'sendmsg')).toBe(false);
    expect(await getDb()('callback_requests').count({ n: '*' }).first()).toEqual(requestsBefore);
    expect(r.requests).toEqual([]);

    const real = await r.sim.placeInboundCall({ destination: '8000', callerIdNumber: '+12025550101', socket: r.socket });
    await r.runUntil(() => handled.length === 1, 'the real access call handled');
    expect(handled).toEqual([real]);
  });
});

describe('a peer that never confirms our hangup', () => {
  it('is dropped after the deadline (5 s on the injected clock) and its session released', async () => {
    const clock = new ManualClock();
    const { logger, records } = memoryLogger();
    const server = await OutboundServer.listen({ port: 0, logger, clock, handler: async () => undefined });
    try {
      const call = await FakeOutboundCall.connect(server.address.port, FORGED);
      call.confirmsHangup = false;
      await call.waitFor((frame) => frame.headers.get('call-command') === 'hangup');
      await clock.advance(4_999);
      expect(server.sessions.size).toBe(1);
      await clock.advance(1);
      await call.closed;
      await waitUntil(() => server.sessions.size === 0, 'session released');
      expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: 'no CHANNEL_HANGUP after our hangup; dropping the socket' }));
    } finally {
      await server.close();
    }
  });
});

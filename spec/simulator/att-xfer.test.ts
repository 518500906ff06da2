import type { EslEvent } from '../../lib/esl/wire';
import type { EslTestClient } from './esl-test-client';
import { appEvent, sendExecute, startSim, type SimFixture } from './sim-fixture';

const B = 'b0000000-0000-4000-8000-00000000000b';
const C = 'c0000000-0000-4000-8000-00000000000c';

const bridgeOf = (x: string, y: string) => (event: EslEvent) =>
  event.name === 'CHANNEL_BRIDGE' && [event.headers.get('Bridge-A-Unique-ID'), event.headers.get('Bridge-B-Unique-ID')].sort().join() === [x, y].sort().join();

/** Socket-controlled A bridged to B without event-lock (as the engine dials B), then att_xfer to `number` as C. */
async function consulting(f: SimFixture, number: string, aVars?: string): Promise<{ a: string; socket: EslTestClient; watcher: EslTestClient }> {
  const watcher = await f.watcher();
  const { uuid: a, socket } = await f.callWithSocket('1000', { vars: aVars });
  await sendExecute(socket, 'bridge', `{origination_uuid=${B}}sofia/gateway/carrier/1000`);
  await socket.event('CHANNEL_BRIDGE');
  await sendExecute(socket, 'att_xfer', `{origination_uuid=${C}}sofia/gateway/carrier/${number}`, { 'event-lock': 'true' });
  await watcher.event(appEvent('CHANNEL_EXECUTE', 'att_xfer'));
  return { a, socket, watcher };
}

describe('simulator att_xfer (captures 12d, 12d2)', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({ phones: { '1000': { kind: 'answer' }, '1001': { kind: 'answer' }, '2000': { kind: 'busy' }, '3000': { kind: 'no-answer' } } });
  });
  afterEach(() => f.stop());

  it("bridges A to C while the A-B bridge stays (B held, no UNBRIDGE); A's other keys go to C, not to B", async () => {
    const { a, watcher } = await consulting(f, '1001');
    await watcher.event(bridgeOf(a, C));
    expect(watcher.events().filter((e) => e.name === 'CHANNEL_UNBRIDGE')).toEqual([]);
    expect(f.sim.channel(a)?.bridgedTo).toBe(C);
    expect(f.sim.channel(B)?.answerState).toBe('answered');
    f.sim.sendDtmf(a, '5');
    await watcher.event('DTMF');
    expect(f.sim.channel(C)?.dtmfReceived).toEqual(['5']);
    expect(f.sim.channel(B)?.dtmfReceived).toEqual([]);
  });

  it('the cancel key (#) hangs up C; A goes back to B with a uuid_bridge that ends the socket application (12d2)', async () => {
    const { a, socket, watcher } = await consulting(f, '1001');
    await watcher.event(bridgeOf(a, C));
    f.sim.sendDtmf(a, '#');
    await socket.event(bridgeOf(a, B));
    expect(f.sim.channel(C)?.hangupCause).toBe('NORMAL_CLEARING');
    expect(f.sim.channel(C)?.dtmfReceived).toEqual([]);
    const names = socket.events().map((e) => (e.headers.get('Application') ? `${e.name}(${e.headers.get('Application')})` : e.name));
    const tail = names.slice(names.indexOf('CHANNEL_EXECUTE_COMPLETE(att_xfer)'));
    expect(tail).toEqual([
      'CHANNEL_EXECUTE_COMPLETE(att_xfer)',
      'CHANNEL_UNBRIDGE',
      'CHANNEL_EXECUTE_COMPLETE(bridge)',
      'CHANNEL_UNPARK',
      'CHANNEL_EXECUTE_COMPLETE(socket)',
      'CHANNEL_STATE',
      'CHANNEL_STATE',
      'CHANNEL_EXECUTE(uuid_bridge)',
      'CHANNEL_BRIDGE',
    ]);
    expect(socket.isClosed).toBe(false);
    // A and B are now a uuid_bridge: B leaving takes A along.
    f.sim.hangup(B);
    await socket.event('CHANNEL_HANGUP_COMPLETE');
    expect(f.sim.channel(a)?.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('the keys come from attxfer_cancel_key / attxfer_hangup_key / attxfer_conf_key on A', async () => {
    const { a, watcher } = await consulting(f, '1001', 'attxfer_cancel_key=9,attxfer_hangup_key=A,attxfer_conf_key=B');
    await watcher.event(bridgeOf(a, C));
    f.sim.sendDtmf(a, '#*0');
    await watcher.settle();
    expect(f.sim.channel(C)?.dtmfReceived).toEqual(['#', '*', '0']);
    expect(f.sim.channel(a)?.bridgedTo).toBe(C);
    f.sim.sendDtmf(a, '9');
    await watcher.event(bridgeOf(a, B));
    expect(f.sim.channel(C)?.answerState).toBe('hangup');
  });

  it('the hangup key (*) hangs up A (ATTENDED_TRANSFER) and connects C with B', async () => {
    const { a, watcher } = await consulting(f, '1001');
    await watcher.event(bridgeOf(a, C));
    f.sim.sendDtmf(a, '*');
    await watcher.event(bridgeOf(C, B));
    expect(f.sim.channel(a)?.hangupCause).toBe('ATTENDED_TRANSFER');
    expect([f.sim.channel(B)?.bridgedTo, f.sim.channel(C)?.bridgedTo]).toEqual([C, B]);
  });

  it('A hanging up during the consultation leaves B and C connected; either leaving ends the other', async () => {
    const { a, watcher } = await consulting(f, '1001');
    await watcher.event(bridgeOf(a, C));
    f.sim.hangup(a);
    await watcher.event(bridgeOf(C, B));
    expect(f.sim.channel(B)?.answerState).toBe('answered');
    f.sim.hangup(C);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === B);
    expect(f.sim.channel(B)?.hangupCause).toBe('NORMAL_CLEARING');
  });

  it.each([
    ['busy', '2000'],
    ['never answers', '3000'],
  ])('C %s: att_xfer returns and A stays bridged to B by its own bridge (no uuid_bridge)', async (_what, number) => {
    const { a, socket, watcher } = await consulting(f, number);
    if (number === '3000') await f.clock.advance(60_000);
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'att_xfer'));
    await watcher.settle();
    expect(socket.events().filter(appEvent('CHANNEL_EXECUTE_COMPLETE', 'bridge'))).toEqual([]);
    expect(socket.events().filter(appEvent('CHANNEL_EXECUTE', 'uuid_bridge'))).toEqual([]);
    expect(f.sim.channel(a)?.bridgedTo).toBe(B);
    f.sim.sendDtmf(a, '7');
    await watcher.event('DTMF');
    expect(f.sim.channel(B)?.dtmfReceived).toEqual(['7']);
  });

  it('A hanging up while C still rings cancels C and ends B', async () => {
    const { a, watcher } = await consulting(f, '3000');
    f.sim.hangup(a);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === C);
    await watcher.event((e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Unique-ID') === B);
    expect(f.sim.channel(C)?.hangupCause).toBe('ORIGINATOR_CANCEL');
  });
});

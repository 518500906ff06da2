import { InboundClient } from '../../lib/esl/inbound-client';
import { isUnknownChannelError } from '../../lib/esl/unknown-channel';
import { testLogger } from '../../lib/log/logger';
import { appEvent, sendExecute, startSim, type SimFixture } from './sim-fixture';

const NOBODY = '9d3a3a1c-0000-4000-8000-00000000dead';

/** mod_commands.c answers each uuid_* command's unknown uuid in its own words. */
const REPLIES: ReadonlyArray<readonly [string, string]> = [
  [`uuid_kill ${NOBODY}`, '-ERR No such channel!\n'],
  [`uuid_break ${NOBODY} all`, '-ERR No such channel!\n'],
  [`uuid_setvar ${NOBODY} a b`, '-ERR No such channel!\n'],
  [`uuid_transfer ${NOBODY} 1000 XML default`, '-ERR No such channel!\n'],
  [`sched_hangup +1 ${NOBODY}`, '-ERR No Such Channel!\n'],
  [`uuid_record ${NOBODY} start /tmp/x.wav`, '-ERR Cannot locate session!\n'],
  [`uuid_send_dtmf ${NOBODY} 5`, '-ERR Cannot locate session!\n'],
  [`uuid_broadcast ${NOBODY} /tmp/moh.wav aleg`, '-ERR invalid uuid\n'],
  [`uuid_answer ${NOBODY}`, '-ERROR\n'],
  [`uuid_bridge ${NOBODY} 9d3a3a1c-0000-4000-8000-00000000beef`, '-ERR Invalid uuid\n'],
];

describe('unknown-uuid replies', () => {
  let f: SimFixture;
  beforeEach(async () => {
    f = await startSim({ phones: { '1000': { kind: 'answer' } } });
  });
  afterEach(() => f.stop());

  it.each(REPLIES)('the simulator answers %j as FreeSWITCH does', async (command, expected) => {
    const client = await f.inbound();
    expect(await client.api(command)).toBe(expected);
  });

  it("the controller's client reads every one of them as the channel being gone, and nothing else as that", async () => {
    const client = new InboundClient({ name: 'fs1', host: '127.0.0.1', port: f.sim.eslPort, password: 'ClueCon', logger: testLogger(), clock: f.clock });
    client.start();
    try {
      await client.ready({ timeoutMs: 2_000 });
      for (const [command] of REPLIES) {
        const failure = await client.api(command).then(
          () => new Error(`${command} succeeded`),
          (error: unknown) => error,
        );
        expect([command, isUnknownChannelError(failure)]).toEqual([command, true]);
      }
      // A usage error is a failure of its own, not a vanished channel.
      const usage = await client.api('uuid_setvar').catch((error: unknown) => error);
      expect(isUnknownChannelError(usage)).toBe(false);
    } finally {
      client.close();
    }
  });

  it('uuid_break <uuid> all drops the queued sendmsg executes: no EXECUTE, no EXECUTE_COMPLETE for them', async () => {
    const { uuid, socket, control } = await f.callWithSocket('1000');
    await sendExecute(socket, 'playback', 'silence_stream://60000', { 'Event-UUID': 'e-playing', 'event-lock': 'true' });
    await socket.event(appEvent('CHANNEL_EXECUTE', 'playback'));
    await sendExecute(socket, 'set', 'queued=1', { 'Event-UUID': 'e-queued', 'event-lock': 'true' });
    expect(await control.api(`uuid_break ${uuid} all`)).toBe('+OK\n');
    const broken = await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'playback'));
    expect(broken.headers.get('Application-UUID')).toBe('e-playing');
    await sendExecute(socket, 'set', 'after=1', { 'Event-UUID': 'e-after' });
    await socket.event(appEvent('CHANNEL_EXECUTE_COMPLETE', 'set'));
    expect(socket.events().filter((e) => e.headers.get('Application-UUID') === 'e-queued')).toEqual([]);
    expect(f.sim.channel(uuid)?.variables.queued).toBeUndefined();
    expect(f.sim.channel(uuid)?.variables.after).toBe('1');
  });
});

import { EslCommandFailed, EslDisconnected, EslTimeout } from '../../lib/esl/errors';
import { admitSession, PROOF_VARIABLE, type AdmissionNode } from '../../lib/esl/socket-admission';

const UUID = '5e55a0e0-0000-4000-8000-000000000001';

/** A node whose channels (uuid → variables) answer uuid_setvar as FreeSWITCH does; `down` plays a lost event socket. */
function node(name: string, channels: Map<string, Map<string, string>>, down = false): AdmissionNode {
  return {
    name,
    async api(command) {
      if (down) throw new EslDisconnected(name, 'api');
      const [, uuid = '', variable = '', value = ''] = command.split(' ');
      const channel = channels.get(uuid);
      if (!channel) throw new EslCommandFailed('uuid_setvar', 'No such channel!');
      channel.set(variable, value);
      return '';
    },
  };
}

/** The session FreeSWITCH opened for `channel` reads it; a forged one answers what it likes. */
function session(uuid: string, read: () => string | undefined): { uuid: string; getVariable: () => Promise<string | undefined> } {
  return { uuid, getVariable: async () => read() };
}

const options = { timeoutMs: 1_000, nonce: () => 'n0nce' };

describe('admitSession', () => {
  it('admits the socket that reads back the value its node wrote into the channel, naming that node', async () => {
    const channel = new Map<string, string>();
    const fs2 = node('fs2', new Map([[UUID, channel]]));
    const admission = await admitSession(session(UUID, () => channel.get(PROOF_VARIABLE)), [node('fs1', new Map()), fs2], options);
    expect(admission).toEqual({ admitted: true, node: 'fs2' });
  });

  it('refuses a socket naming a real channel that it does not control, a channel no node has, and a malformed uuid', async () => {
    const fs1 = node('fs1', new Map([[UUID, new Map<string, string>()]]));
    expect(await admitSession(session(UUID, () => 'guess'), [fs1], options)).toMatchObject({ admitted: false, reason: expect.stringContaining('does not control') });
    expect(await admitSession(session('aaaaaaaa-0000-4000-8000-000000000000', () => 'n0nce'), [fs1], options)).toMatchObject({ admitted: false, reason: expect.stringContaining('no configured FreeSWITCH node') });
    expect(await admitSession(session(`${UUID} all`, () => 'n0nce'), [fs1], options)).toMatchObject({ admitted: false, reason: expect.stringContaining('malformed') });
  });

  it("admits on the peer address alone only when the peer's own node cannot be asked", async () => {
    const down = node('fs1', new Map(), true);
    const other = node('fs2', new Map());
    expect(await admitSession(session(UUID, () => undefined), [down, other], { ...options, peerNodes: new Set([down]) })).toEqual({ admitted: true, node: 'fs1', unproven: true });
    expect(await admitSession(session(UUID, () => undefined), [other, down], { ...options, peerNodes: new Set([other]) })).toMatchObject({ admitted: false });
  });

  it('fails a step only when the node or the socket falls silent, so that a busy node is waited for rather than taken as unreachable', async () => {
    const asked: unknown[] = [];
    const channel = new Map<string, string>();
    const fs1 = node('fs1', new Map([[UUID, channel]]));
    const busy: AdmissionNode = {
      name: 'fs1',
      api: (command, apiOptions) => {
        asked.push(apiOptions);
        return fs1.api(command);
      },
    };
    const socket = {
      uuid: UUID,
      getVariable: (name: string, readOptions?: unknown) => {
        asked.push(readOptions);
        return Promise.resolve(channel.get(name));
      },
    };
    const admission = await admitSession(socket, [busy], { ...options, peerNodes: new Set([busy]) });
    expect(admission).toEqual({ admitted: true, node: 'fs1' });
    expect(asked).toEqual([{ quietTimeoutMs: 1_000 }, { quietTimeoutMs: 1_000 }]);
    const silent: AdmissionNode = { name: 'fs1', api: () => Promise.reject(new EslTimeout('api uuid_setvar', 1_000)) };
    expect(await admitSession(session(UUID, () => undefined), [silent], { ...options, peerNodes: new Set([silent]) })).toEqual({ admitted: true, node: 'fs1', unproven: true });
  });
});

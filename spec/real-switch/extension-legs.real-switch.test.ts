import { randomUUID } from 'node:crypto';
import { EslCommandFailed } from '../../lib/esl/errors';
import type { UserTarget } from '../../lib/esl/dial-string';
import { InboundClient } from '../../lib/esl/inbound-client';
import type { HangupCause } from '../../lib/esl/hangup-causes';
import type { EslEvent } from '../../lib/esl/wire';
import { testLogger } from '../../lib/log/logger';
import { FreeswitchSimulator, type PhoneScript } from '../../lib/simulator';
import { describeWithRealSwitch } from './support/availability';
import { startRealSwitch, type RealSwitch } from './support/backends';
import { eventually } from './support/scenarios';
import { DIRECTORY, REGISTERED_USER } from './support/switch-conf';

/**
 * What a call_extension leg A meets (issue #17 item 5, docs/extension-legs.md): a user that is
 * not registered, not in the directory, dialed without a domain, or registered, dialed exactly as
 * the engine dials it (InboundClient.originate, the engine's dial string): on FreeSWITCH 1.10.12
 * with a directory, and on the simulator set up the same way. Same cases, same assertions: a
 * divergence shows as one of the pair failing.
 */
interface Switch {
  readonly client: InboundClient;
  readonly events: EslEvent[];
  /** What the phone at `number` does (the registered user's phone is the world's phone at its extension). */
  setPhone(number: string, script: PhoneScript): Promise<void>;
}

const CASES: ReadonlyArray<[string, UserTarget, HangupCause]> = [
  ['a directory user that is not registered', { extension: '1001', domain: 'pbx.test' }, 'USER_NOT_REGISTERED'],
  ['a user the domain does not have', { extension: '1002', domain: 'pbx.test' }, 'SUBSCRIBER_ABSENT'],
  ['a domain the directory does not have', { extension: '1001', domain: 'nodomain.test' }, 'SUBSCRIBER_ABSENT'],
  ['no domain: the default one (the `domain` variable), whose user 1001 is not registered', { extension: '1001', domain: null }, 'USER_NOT_REGISTERED'],
  ['no domain, a user the default domain does not have', { extension: '1002', domain: null }, 'SUBSCRIBER_ABSENT'],
];

function extensionCases(sut: () => Switch): void {
  it.each(CASES)('%s: the originate fails with its cause, and no channel is made', async (_what, user, cause) => {
    const { client, events } = sut();
    const uuid = randomUUID();
    const failure = await client.originate({ uuid, user, timeoutSec: 5, socket: 'park' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EslCommandFailed);
    expect(failure).toMatchObject({ replyText: cause, hangupCause: cause });
    // A channel, had there been one, ends with CHANNEL_HANGUP_COMPLETE; the api round trip lets any such event arrive first.
    await client.api('status');
    expect(events.filter((event) => event.headers.get('Unique-ID') === uuid)).toEqual([]);
  });

  it('a registered user: its phone rings and answers, the leg carrying the directory dial-string\'s presence', async () => {
    const { client, events } = sut();
    await sut().setPhone(REGISTERED_USER.extension, { kind: 'answer', afterMs: 200 });
    const uuid = randomUUID();
    expect(await client.originate({ uuid, user: { ...REGISTERED_USER }, timeoutSec: 10, socket: 'park' })).toBe(uuid);
    const answer = await eventually('the answer', async () => events.find((e) => e.headers.get('Event-Name') === 'CHANNEL_ANSWER' && e.headers.get('Unique-ID') === uuid));
    const address = `${REGISTERED_USER.extension}@${REGISTERED_USER.domain}`;
    expect(answer.headers.get('Channel-Presence-ID')).toBe(address);
    expect(answer.headers.get('variable_presence_id')).toBe(address);
    expect(answer.headers.get('variable_dialed_user')).toBe(REGISTERED_USER.extension);
    expect(answer.headers.get('variable_dialed_domain')).toBe(REGISTERED_USER.domain);
    // Not waited for: the real switch reports HANGUP_COMPLETE only when the session is destroyed, seconds later.
    await client.api(`uuid_kill ${uuid}`);
  });
}

async function observe(port: number, password: string): Promise<Pick<Switch, 'client' | 'events'>> {
  const client = new InboundClient({
    name: 'extension-legs',
    host: '127.0.0.1',
    port,
    password,
    logger: testLogger(),
    events: ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE'],
    backoff: { initialMs: 100, maxMs: 300 },
  });
  const events: EslEvent[] = [];
  client.on('event', (event) => events.push(event));
  await client.connect({ timeoutMs: 30_000 });
  return { client, events };
}

describe('extension legs on the simulator, its directory as the real switch test has it', () => {
  let sim: FreeswitchSimulator;
  let sut: Switch;

  beforeAll(async () => {
    const started = await FreeswitchSimulator.start();
    sim = started;
    for (const [domain, users] of Object.entries(DIRECTORY)) for (const user of users) sim.registerUser(user, domain, false);
    sim.registerUser(REGISTERED_USER.extension, REGISTERED_USER.domain);
    sut = { ...(await observe(sim.eslPort, 'ClueCon')), setPhone: (number, script) => Promise.resolve(started.setPhone(number, script)) };
  });

  afterAll(async () => {
    await sut?.client.close();
    await sim?.stop();
  });

  extensionCases(() => sut);
});

describeWithRealSwitch('extension legs on a real FreeSWITCH', () => {
  let rs: RealSwitch;
  let sut: Switch;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    rs = await startRealSwitch();
    // The switch's own observer sees CHANNEL_ANSWER and CHANNEL_HANGUP_COMPLETE, what the cases look for.
    sut = { client: rs.observer, events: rs.events, setPhone: (number, script) => rs.setPhone(number, script) };
    // The world's gateway registers the user on the phones profile. Its first try, during start-up,
    // meets sofia's "503 Maximum Calls In Progress" (FreeSWITCH takes no SIP until it is ready) and
    // the next is 30 s later, so it is sent again now.
    await rs.observer.api(`sofia profile world register phone-${REGISTERED_USER.extension}`);
    const address = `${REGISTERED_USER.extension}@${REGISTERED_USER.domain}`;
    await eventually(`${address} registered`, async () => !(await rs.observer.api(`sofia_contact */${address}`)).startsWith('error/'));
  }, 60_000);

  afterAll(async () => {
    await rs?.stop();
  }, 30_000);

  extensionCases(() => sut);
});

import { describeWithRealSwitch } from './support/availability';
import { freeswitchUnderTest, type SwitchUnderTest } from './support/backends';
import { createStore } from '../../lib/store';
import { callbackScenarios, eventually } from './support/scenarios';

/**
 * The scenarios on FreeSWITCH 1.10.12 itself: real SIP between the project's callback profile and
 * a test carrier, real RTP, DTMF and media, the project's own freeswitch-conf/. Their twin on the
 * simulator is callbacks.simulator.test.ts: same scenarios, same assertions.
 */
describeWithRealSwitch('callbacks on a real FreeSWITCH', () => {
  let sut: SwitchUnderTest;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    sut = await freeswitchUnderTest();
  }, 60_000);

  afterAll(async () => {
    await sut?.stop();
  }, 30_000);

  callbackScenarios(() => sut);

  // FreeSWITCH only: the simulator has no dialplan. The access dialplan must take only the numbers in ACCESS_NUMBERS.
  it('a call to a number that is not an access number never reaches the controller', async () => {
    const caller = '+12125550199';
    await sut.callAccessNumber(caller, '+12125559999');

    const ended = await eventually('the call to end', async () =>
      sut.events.find((e) => e.headers.get('Event-Name') === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Call-Direction') === 'inbound' && e.headers.get('Caller-Destination-Number')?.endsWith('12125559999')),
    );
    expect(ended.headers.get('Hangup-Cause')).toBe('NO_ROUTE_DESTINATION');
    // The access extension sets callback_access_did before its socket; it never ran.
    expect(ended.headers.get('variable_callback_access_did')).toBeUndefined();
    const requests = await createStore(sut.service.db).callbackRequests.list({});
    expect(requests.filter((r) => r.source === caller)).toEqual([]);
  });
});

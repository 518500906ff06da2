import { describeWithRealSwitch } from './support/availability';
import { freeswitchUnderTest, type SwitchUnderTest } from './support/backends';
import { callbackScenarios } from './support/scenarios';

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
});

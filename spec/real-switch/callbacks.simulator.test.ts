import { simulatorUnderTest, type SwitchUnderTest } from './support/backends';
import { callbackScenarios } from './support/scenarios';

/** The twin of callbacks.real-switch.test.ts on the bundled simulator: a scenario failing on one side only is a divergence. */
describe('callbacks on the simulator (twin of the real-switch suite)', () => {
  let sut: SwitchUnderTest;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    sut = await simulatorUnderTest();
  });

  afterAll(async () => {
    await sut?.stop();
  });

  callbackScenarios(() => sut);
});

import { callSetup } from '../../bench/call-setup';

// Proves the harness works (simulator process, controller, floor); speed is judged by `npm run bench`.
describe('the call setup benchmark', () => {
  it('runs callbacks through the controller and the bare-modesl floor against a simulator process', async () => {
    const result = await callSetup({ short: true });
    expect(result.floor.completed).toBe(result.floor.callbacks);
    expect(result.steps.length).toBeGreaterThan(0);
    expect(result.steps[0]!.completed).toBe(result.steps[0]!.ordered);
    expect(result.steps[0]!.orderToOriginateMs.count).toBe(result.steps[0]!.ordered);
    expect(result.steps[0]!.answerToBridgeMs.count).toBe(result.steps[0]!.ordered);
    expect(result.cpuRatioToFloor).toBeGreaterThan(0);
    expect(result.controllerOneCorePerSecond).toBeGreaterThan(0);
    // Counted per callback from knex's own query events (CPU-independent); SQLite keeps one connection.
    expect(result.steps[0]!.sqlPerCallback).toBeGreaterThan(10);
    expect(result.steps[0]!.roundTripsPerCallback).toBeLessThanOrEqual(result.steps[0]!.sqlPerCallback);
    expect(result.poolMax).toBe(1);
    // SQLite runs inside the controller and the queue in memory: the machine is the controller and the simulator.
    expect(result.steps[0]!.dbCpuMsPerCallback).toBeUndefined();
    expect(result.steps[0]!.machineCpuMsPerCallback).toBeGreaterThanOrEqual(result.steps[0]!.cpuMsPerCallback);
  }, 60_000);
});

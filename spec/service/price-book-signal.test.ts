import { randomUUID } from 'node:crypto';
import { testLogger } from '../../lib/log/logger';
import { startPriceBookSignal, type StopSignal } from '../../lib/service/price-book-signal';
import { PriceBookChanges } from '../../lib/store/price-book-changes';
import { describeWith, testRedis } from '../support/external-services';

/** Waits (a few ms at a time, at most 2 s) until `done` holds: pub/sub delivery has no event to await here. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 2_000) throw new Error('not delivered within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describeWith(testRedis(), 'price book signal over Redis', (url) => {
  const stops: StopSignal[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  async function process(prefix: string, listen: boolean): Promise<PriceBookChanges> {
    const changes = new PriceBookChanges();
    stops.push(await startPriceBookSignal(changes, { url, prefix, listen, logger: testLogger() }));
    return changes;
  }

  it("drops the other controllers' prices at a write, and not the writer's twice", async () => {
    const prefix = `cbtest-${randomUUID()}`;
    const [a, b, cli] = [await process(prefix, true), await process(prefix, true), await process(prefix, false)];
    a.changed();
    await until(() => b.version === 1);
    expect(a.version).toBe(1);
    cli.changed();
    await until(() => a.version === 2 && b.version === 2);
    // Nothing more arrives: a's own announcement was ignored.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([a.version, b.version, cli.version]).toEqual([2, 2, 1]);
  });

  it('leaves deployments under another prefix alone', async () => {
    const [a, other] = [await process(`cbtest-${randomUUID()}`, true), await process(`cbtest-${randomUUID()}`, true)];
    a.changed();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(other.version).toBe(0);
  });

  it('sends what was announced before it stops', async () => {
    const prefix = `cbtest-${randomUUID()}`;
    const listener = await process(prefix, true);
    const changes = new PriceBookChanges();
    const stop = await startPriceBookSignal(changes, { url, prefix, listen: false, logger: testLogger() });
    changes.changed();
    await stop();
    await until(() => listener.version === 1);
  });
});

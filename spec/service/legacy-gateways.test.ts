import { testLogger } from '../../lib/log/logger';
import { seedCarriersFromNodes } from '../../lib/service/legacy-gateways';
import { createStore, type Store } from '../../lib/store';
import { describeEachDatabase } from '../support/databases';

const node = (name: string, gateways?: string[]) => ({ name, host: '10.0.0.5', port: 8021, password: 'ClueCon', maxCps: 10, maxChannels: 500, ...(gateways ? { gateways } : {}) });

describeEachDatabase('carriers seeded from deprecated node gateways', (getDb) => {
  let store: Store;
  beforeAll(() => {
    store = createStore(getDb());
  });

  it('does nothing for nodes without gateways', async () => {
    await seedCarriersFromNodes(store, [node('fs0')], testLogger());
    expect(await store.carriers.list()).toEqual([]);
  });

  it('makes a carrier per gateway, in the order listed, reached through it on that node', async () => {
    await seedCarriersFromNodes(store, [node('fs1', ['first', 'second']), node('fs2', ['first'])], testLogger());
    const carriers = await store.carriers.listEnabledWithGateways();
    expect(carriers.map((c) => [c.name, c.priority, c.gateways])).toEqual([
      [
        'first',
        100,
        [
          { node: 'fs1', gateway: 'first' },
          { node: 'fs2', gateway: 'first' },
        ],
      ],
      ['second', 101, [{ node: 'fs1', gateway: 'second' }]],
    ]);
  });

  it('changes nothing the operator set, and nothing at all when run again', async () => {
    const first = (await store.carriers.getByName('first'))!;
    await store.carriers.update(first.id, { priority: 5 });
    await store.carriers.setGateway(first.id, { node: 'fs1', gateway: 'renamed' });
    const before = await store.carriers.list();
    await seedCarriersFromNodes(store, [node('fs1', ['first', 'second']), node('fs2', ['first'])], testLogger());
    expect(await store.carriers.list()).toEqual(before);
  });
});

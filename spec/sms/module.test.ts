import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { testLogger } from '../../lib/log/logger';
import { createSmsModule } from '../../lib/sms';
import { createStore, type Store } from '../../lib/store';
import { ManualClock } from '../../lib/time/clock';
import { accountWithBalance, uniqueNumber } from '../store/fixtures';
import { describeEachDatabase } from '../support/databases';
import { storeOrdering } from './support';

describeEachDatabase('createSmsModule (embedded mode: log-only replies)', (getDb) => {
  let clock: ManualClock;
  let store: Store;
  beforeEach(() => {
    clock = new ManualClock();
    store = createStore(getDb(), () => clock.now());
  });

  it('wires webhook, handler and a log-only sender; replies are stored as sent', async () => {
    const logger = testLogger();
    const sms = createSmsModule(
      { store, ordering: storeOrdering(store), clock, logger },
      { defaultCountry: 'DE', sender: { kind: 'log' }, webhooks: { generic: { secret: 'module-secret' } } },
    );
    try {
      const app = express().use(sms.router);
      const account = await accountWithBalance(store, 100, { currency: 'EUR' });
      const sender = uniqueNumber();
      await store.callerIds.add({ accountId: account.id, number: sender, allowAuthorization: true });
      await request(app)
        .post('/sms/inbound/generic')
        .set('X-Callback-Secret', 'module-secret')
        .send({ from: sender, to: '+4930555000', text: '#balance', id: randomUUID() })
        .expect(200, /"processed"/);
      const [reply] = await store.smsMessages.listForAccount(account.id);
      expect(reply).toMatchObject({ direction: 'out', gateway: 'log', status: 'sent', to: sender, text: 'Balance: 1.00 EUR.' });
      await request(app).get('/sms/inbound/kannel').expect(404);
    } finally {
      sms.stop();
    }
  });

  it('refuses to start an endpoint with neither secret nor allow-list, or with a bad allow-list', () => {
    const deps = { store, ordering: storeOrdering(store), clock, logger: testLogger() };
    expect(() => createSmsModule(deps, { defaultCountry: 'DE', sender: { kind: 'log' }, webhooks: { kannel: {} } })).toThrow(
      'SMS webhook /sms/inbound/kannel: configure a secret or an allow-list of gateway addresses; refusing to accept commands from anyone',
    );
    expect(() => createSmsModule(deps, { defaultCountry: 'DE', sender: { kind: 'log' }, webhooks: { kannel: { allowFrom: ['kannel.local'] } } })).toThrow(
      'allow-list entry "kannel.local" is not an IP address or CIDR range',
    );
    expect(() => createSmsModule(deps, { defaultCountry: 'DE', sender: { kind: 'log' }, webhooks: { kannel: { allowFrom: ['10.0.0.0/33'] } } })).toThrow(
      'has an invalid prefix length',
    );
  });
});

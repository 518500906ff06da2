import express from 'express';
import request from 'supertest';
import { API_PREFIX, apiRouter } from '../../lib/http/api/router';
import { createHttpApp } from '../../lib/http/app';
import { engineOrdering } from '../../lib/sms/engine-ordering';
import type { E164 } from '../../lib/domain/phone-number';
import { InvalidStoreInput } from '../../lib/store/validation';
import { smsHarness, GENERIC_SECRET } from '../sms/support';
import { describeEachDatabase } from '../support/databases';
import { startEngineRig, type EngineRig } from '../support/engine-harness';
import { FOREIGN_SYNTAX, readDialString } from './support/dial-string-reader';
import { DIAL_STRING_ATTACKS } from './support/hostile';

const SENDER = '+12025550177' as E164;
/** Pieces of the attacks that must never reach FreeSWITCH, whatever a parser made of the rest. */
const FRAGMENTS = ['user/1000', 'evil', '&bridge', '&park() ', 'uuid_kill', 'shutdown', 'origination_caller_id_number=666', 'leg_timeout', '${'];

const FINAL = ['completed', 'busy', 'no_answer', 'failed', 'cancelled'];

/** Every command line the simulator received, and the originates among them checked as single legs. */
function expectCleanCommands(lines: readonly string[]): void {
  for (const line of lines) {
    expect(line).not.toMatch(FOREIGN_SYNTAX);
    for (const fragment of FRAGMENTS) expect({ line, fragment, found: line.includes(fragment) }).toEqual({ line, fragment, found: false });
    const originate = /^(?:bg)?api originate (.*)$/.exec(line);
    if (originate?.[1]) {
      const leg = readDialString(originate[1]);
      expect(leg.number).toMatch(/^\+?\d{1,15}$/);
      expect(leg.rest).toMatch(/^ (?:'&socket\([0-9.]+:\d+ async full\)'|&park\(\))$/);
    }
  }
}

describeEachDatabase('dial-string injection, end to end', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;
  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  async function start(): Promise<{ r: EngineRig; commands: string[] }> {
    const r = (rig = await startEngineRig(getDb(), dbEngine, { simulator: { defaultPhone: { kind: 'answer', hangupAfterMs: 3_000 } } }));
    const commands: string[] = [];
    r.sim.on('command', (_connection: unknown, line: string) => void commands.push(line));
    return { r, commands };
  }

  async function finishAll(r: EngineRig, ids: readonly string[]): Promise<void> {
    await r.runUntil(async () => {
      for (const id of ids) {
        const row = await r.store.callbackRequests.findById(id);
        if (!row || !FINAL.includes(row.state)) return false;
      }
      return r.engine.active === 0;
    }, 'every accepted order ended');
  }

  it('hostile numbers ordered through the API are refused or reduced to clean E.164, and no originate or other ESL command carries their syntax', async () => {
    const { r, commands } = await start();
    // Free sources: hostile first parties must reach the number parsing, not stop at the first-party rule (#15 item 5).
    const account = await r.account(100_000, { country: 'US', freeSources: true });
    const { plainKey } = await r.store.apiKeys.create({ accountId: account.id, label: 'e2e' });
    const app = createHttpApp({ logger: r.logger, readiness: [], routers: [{ path: API_PREFIX, router: apiRouter({ engine: r.engine, db: getDb(), logger: r.logger, clock: r.clock, orderLimit: { limit: 1_000, windowMs: 60_000 } }) }] });
    const accepted: string[] = [];
    // Punctuation a person types in a number is accepted and normalized; it must not survive either.
    for (const attack of [...DIAL_STRING_ATTACKS, '+1 (202) 555-0111', '202.555.0112']) {
      for (const body of [{ source: attack, destination: '+12025550202' }, { source: '+12025550203', destination: attack }]) {
        const response = await request(app).post('/api/v1/callbacks').set('Authorization', `Bearer ${plainKey}`).send(body);
        expect({ attack, status: response.status === 201 || response.status === 400, body: response.body as unknown }).toEqual({ attack, status: true, body: response.body as unknown });
        if (response.status !== 201) continue;
        const created = response.body as { id: string; source: string; destination: string };
        expect(created.source).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(created.destination).toMatch(/^\+[1-9]\d{6,14}$/);
        accepted.push(created.id);
      }
    }
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    await finishAll(r, accepted);
    expect(commands.filter((line) => line.includes(' originate ')).length).toBeGreaterThan(0);
    expectCleanCommands(commands);
  });

  it('hostile numbers in SMS commands are refused or reduced to clean E.164 before any originate', async () => {
    const { r, commands } = await start();
    const account = await r.account(100_000, { country: 'US' });
    await r.store.callerIds.add({ accountId: account.id, number: SENDER, allowAuthorization: true });
    // One sender sends every attack: the per-sender limit must not be what stops them.
    const sms = smsHarness({
      store: r.store,
      clock: r.clock,
      defaultCountry: 'US',
      ordering: engineOrdering((order) => r.engine.order(order), r.store.callbackRequests),
      senderLimit: { limit: 10_000, windowMs: 60_000 },
    });
    const app = express().use(sms.app);
    let n = 0;
    for (const attack of DIAL_STRING_ATTACKS) {
      for (const text of [`*1*${attack}`, `*1*${attack}*+12025550204`, `*3*${attack}*+12025550205`]) {
        n += 1;
        const response = await request(app).post('/sms/inbound/generic').set('X-Callback-Secret', GENERIC_SECRET).send({ from: SENDER, to: '+12025550100', text, id: `e2e-${n}` });
        expect(response.status).toBe(200);
      }
    }
    const ordered = (await r.store.callbackRequests.list({ accountId: account.id, limit: 1000 })).map((row) => row.id);
    await finishAll(r, ordered);
    expect(ordered.length).toBeGreaterThan(0);
    expectCleanCommands(commands);
  });

  it('the store, which the CLI and every other path write through, refuses a request whose number is not E.164', async () => {
    const { r } = await start();
    const account = await r.account(0);
    for (const attack of DIAL_STRING_ATTACKS) {
      await expect(r.store.callbackRequests.create({ accountId: account.id, trigger: 'cli', source: attack as E164, destination: null, mode: 'source_first' })).rejects.toBeInstanceOf(InvalidStoreInput);
      await expect(r.store.callbackRequests.create({ accountId: account.id, trigger: 'cli', source: '+12025550101' as E164, destination: attack as E164, mode: 'source_first' })).rejects.toBeInstanceOf(InvalidStoreInput);
    }
  });
});

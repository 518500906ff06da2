import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { seedDemo } from '../../../db/seeds/demo';
import { FINAL_STATES } from '../../../lib/callback/state/request-state';
import { loadSettings } from '../../../lib/config';
import { minorUnits } from '../../../lib/domain/money';
import type { FreeswitchSimulator } from '../../../lib/simulator';
import { createStore, type Store } from '../../../lib/store';
import { migrateToLatest, openDatabase } from '../../../lib/store/database';
import { eventually } from '../../scheduler/support';
import { freePort } from '../../support/ports';
import type { ServiceProcess } from './service-process';

const FINAL: readonly string[] = FINAL_STATES;
/** Bounds a failing test only: every wait polls the database or the simulator every few ms. */
export const WAIT_MS = 60_000;

/**
 * What the restart tests share: one SQLite file and one pair of HTTP and socket ports for both
 * services (as a restarted service would have), the simulator as the only switch, and a demo
 * account funded far beyond what the calls cost, so that its balance can be checked to the unit.
 */
export class RestartRig<Scenario extends string> {
  readonly ids = {} as Record<Scenario, string>;

  private constructor(
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly httpPort: number,
    private readonly operatorKey: string,
    readonly db: Knex,
    readonly store: Store,
    readonly accountId: number,
    readonly balanceBefore: number,
  ) {}

  /** `name` tells the tests' temporary folders and secrets apart; `settings` adds to or overrides the shared ones. */
  static async start<Scenario extends string>(name: string, sim: FreeswitchSimulator, settings: Record<string, string>): Promise<RestartRig<Scenario>> {
    const dir = mkdtempSync(join(tmpdir(), `callback-${name}-`));
    const operatorKey = `operator-key-for-${name}-tests-0123456789`;
    const httpPort = await freePort();
    const env = {
      CALLBACK_ENV: 'test',
      CALLBACK_LOG_LEVEL: process.env.RESTART_TEST_LOG ? 'info' : 'warn',
      CALLBACK_LOG_FORMAT: 'json',
      CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'),
      CALLBACK_MEDIA_ROOT: join(dir, 'media'),
      CALLBACK_HTTP_PORT: String(httpPort),
      // Both services listen on the same socket port, as a restarted one would: a leg answering
      // after the first one is gone connects to the new instance.
      CALLBACK_SOCKET_SERVER_PORT: String(await freePort()),
      CALLBACK_FREESWITCH_MODE: 'external',
      CALLBACK_FREESWITCH_NODES: JSON.stringify([{ name: 'fs1', host: '127.0.0.1', port: sim.eslPort, gateways: ['carrier'] }]),
      CALLBACK_SECURITY_OPERATOR_API_KEY: operatorKey,
      CALLBACK_SECURITY_WEBHOOK_SECRET: `webhook-secret-for-${name}-tests-0123456789`,
      CALLBACK_CALLBACK_MAX_CONCURRENT_PER_ACCOUNT: '10',
      CALLBACK_SCHEDULER_SWEEP_CRON: '* * * * * *',
      ...settings,
    };
    const db = openDatabase(loadSettings({ env }).database);
    await migrateToLatest(db);
    const accountId = (await seedDemo(db)).accountId;
    const store = createStore(db);
    await store.accounts.update(accountId, { maxConcurrentCallbacks: 10 });
    await store.payments.record({ accountId, amountMinor: minorUnits(10_000_000), currency: 'USD', method: 'test' });
    const balanceBefore = (await store.accounts.balance(accountId))!.balanceMinor;
    return new RestartRig<Scenario>(dir, env, httpPort, operatorKey, db, store, accountId, balanceBefore);
  }

  async request(scenario: Scenario) {
    return (await this.store.callbackRequests.findById(this.ids[scenario]))!;
  }

  legsOf(scenario: Scenario) {
    return this.store.legs.listForRequest(this.ids[scenario]);
  }

  async finalState(scenario: Scenario, what: string) {
    await eventually(async () => FINAL.includes((await this.request(scenario)).state), what, WAIT_MS);
    return this.request(scenario);
  }

  /** Orders a callback for the funded account through the running service's API, as a customer would. */
  async order(scenario: Scenario, call: { source: string; destination: string | null; at?: string }): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.httpPort}/api/v1/callbacks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.operatorKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ accountId: this.accountId, ...call }),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) throw new Error(`order refused: ${response.status} ${JSON.stringify(body)}`);
    this.ids[scenario] = body.id;
  }

  /**
   * Waits for every scenario to end and its legs to be settled, expects exactly one CDR per leg,
   * and returns what they cost together.
   */
  async spentOncePerLeg(scenarios: readonly Scenario[]): Promise<number> {
    let spent = 0;
    for (const scenario of scenarios) {
      await this.finalState(scenario, `${scenario} to end`);
      // A request may reach its final state a moment before its last leg is booked.
      await eventually(async () => (await this.legsOf(scenario)).every((leg) => leg.endedAt !== null), `${scenario}'s legs to be settled`, WAIT_MS);
      const legs = await this.legsOf(scenario);
      const cdrs = await this.store.cdrs.listForRequest(this.ids[scenario]);
      expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
      spent += cdrs.reduce((sum, cdr) => sum + cdr.costMinor, 0);
    }
    return spent;
  }

  /** Stops both services (the first may be dead already), keeps their logs if asked, and removes everything. */
  async close(first: ServiceProcess | undefined, second: ServiceProcess | undefined): Promise<void> {
    await first?.kill();
    await second?.stop();
    // RESTART_TEST_LOG=<file>: both services' logs, at info level, for a failure's post-mortem.
    if (process.env.RESTART_TEST_LOG) writeFileSync(process.env.RESTART_TEST_LOG, `${first?.log()}\n-----\n${second?.log()}`);
    await this.db.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

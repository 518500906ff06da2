import type { Knex } from 'knex';
import { loadSettings, type Settings } from '../config';
import { createLogger } from '../log/logger';
import { startPriceBookSignal, type StopSignal } from '../service/price-book-signal';
import { createStore, openDatabase, pendingMigrations, type Store } from '../store';
import { priceBookChangesOf } from '../store/price-book-changes';
import { failure } from './errors';
import type { CliIo } from './io';
import { Output } from './output';

export interface GlobalOptions {
  json: boolean;
  config?: string;
  operator?: string;
}

/**
 * What a command needs, opened on first use: `--help` and usage errors never touch the
 * database. The CLI opens the same database as the service (same settings, same variables);
 * SQL is the truth, so a change made here is seen by every controller instance.
 */
export class CliContext {
  private options: GlobalOptions = { json: false };
  private loaded: Settings | undefined;
  private db: Knex | undefined;
  private opened: Store | undefined;
  private stopSignal: StopSignal | undefined;
  private output: Output;

  constructor(readonly io: CliIo) {
    this.output = new Output(io, false);
  }

  configure(options: GlobalOptions): void {
    this.options = options;
    this.output = new Output(this.io, options.json);
  }

  get out(): Output {
    return this.output;
  }

  get operator(): string {
    return this.options.operator ?? this.io.env.USER ?? 'cli';
  }

  now(): number {
    return this.io.now();
  }

  settings(): Settings {
    this.loaded ??= loadSettings({ env: this.io.env, ...(this.options.config === undefined ? {} : { configFile: this.options.config }) });
    return this.loaded;
  }

  /** The store, once the schema is known to be current: the CLI never migrates behind the service's back. */
  async store(): Promise<Store> {
    if (this.opened) return this.opened;
    const db = openDatabase(this.settings().database);
    this.db = db;
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      throw failure(`the database is not up to date (${pending.length} migration(s) pending); run \`npm run migrate\` or start the service once`);
    }
    this.opened = createStore(db, () => this.io.now());
    const { queue } = this.settings();
    if (queue.driver === 'redis') {
      // A price this command changes reaches the controllers' caches at once (lib/service/price-book-signal.ts).
      const logger = createLogger({ level: 'warn', format: 'pretty' });
      this.stopSignal = await startPriceBookSignal(priceBookChangesOf(db), { url: queue.url, prefix: queue.prefix, listen: false, logger });
    }
    return this.opened;
  }

  /** An operator action for the audit trail (who did what, from the CLI). */
  async audit(reason: string, fields: { accountId?: number | null; requestId?: string | null; details?: Record<string, unknown> } = {}): Promise<void> {
    const store = await this.store();
    await store.auditLog.record({
      kind: 'operator',
      reason,
      accountId: fields.accountId ?? null,
      requestId: fields.requestId ?? null,
      details: { operator: this.operator, via: 'cli', ...fields.details },
    });
  }

  async close(): Promise<void> {
    await this.stopSignal?.();
    this.stopSignal = undefined;
    await this.db?.destroy();
    this.db = undefined;
    this.opened = undefined;
  }
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { seedDemo } from '../db/seeds/demo';
import { redactSettings, type Settings } from './config';
import { createHttpApp } from './http/app';
import type { ReadinessCheck } from './http/health';
import type { Logger } from './log/logger';
import { migrateToLatest, openDatabase } from './store/database';

export interface RunningService {
  readonly httpPort: number;
  readonly db: Knex;
  stop(): Promise<void>;
}

/**
 * Brings the service up in dependency order and returns a handle that takes it down in reverse.
 * Anything that fails half-way is stopped again, so a failed start leaves no open ports or pools.
 */
export async function startService(settings: Settings, logger: Logger): Promise<RunningService> {
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.error(`stopping ${name} failed`, { error });
      }
    }
  };
  try {
    logger.info('starting', { settings: redactSettings(settings) });

    const db = openDatabase(settings.database);
    stops.push({ name: 'database', stop: () => db.destroy() });
    const applied = await migrateToLatest(db);
    logger.info('database ready', { client: settings.database.client, migrationsApplied: applied });
    if (settings.env !== 'production') {
      const seeded = await seedDemo(db);
      if (seeded.created) logger.info('demo data created', { accountId: seeded.accountId });
    }

    const readiness: ReadinessCheck[] = [
      {
        name: 'database',
        check: async () => {
          await db.raw('select 1');
          return { ok: true };
        },
      },
    ];

    const app = createHttpApp({ logger, readiness });
    const server = await listen(app, settings.http.host, settings.http.port);
    stops.push({ name: 'http', stop: () => closeServer(server) });
    const httpPort = (server.address() as AddressInfo).port;
    logger.info(`HTTP API listening on http://${settings.http.host}:${httpPort}`, { port: httpPort });

    return { httpPort, db, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function listen(app: ReturnType<typeof createHttpApp>, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

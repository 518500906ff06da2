import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { seedDemo } from '../../db/seeds/demo';
import { redactSettings, type Settings } from '../config';
import type { CallSession } from '../esl/call-session';
import { createHttpApp } from '../http/app';
import type { ReadinessCheck } from '../http/health';
import type { Logger } from '../log/logger';
import { migrateToLatest, openDatabase } from '../store/database';
import { systemClock, type Clock } from '../time/clock';
import { StopStack } from './stop-stack';
import { startTelephony, type Telephony } from './telephony';

export interface RunningService {
  readonly httpPort: number;
  readonly db: Knex;
  readonly telephony: Telephony;
  stop(): Promise<void>;
}

/**
 * Brings the service up in dependency order and returns a handle that takes it down in reverse.
 * Anything that fails half-way is stopped again, so a failed start leaves no open ports or pools.
 */
export async function startService(settings: Settings, logger: Logger, clock: Clock = systemClock): Promise<RunningService> {
  const stops = new StopStack(logger);
  try {
    logger.info('starting', { settings: redactSettings(settings) });

    const db = openDatabase(settings.database);
    stops.push('database', () => db.destroy());
    const applied = await migrateToLatest(db);
    logger.info('database ready', { client: settings.database.client, migrationsApplied: applied });
    if (settings.env !== 'production') {
      const seeded = await seedDemo(db);
      if (seeded.created) logger.info('demo data created', { accountId: seeded.accountId });
    }

    const telephony = await startTelephony(settings, { logger, clock, stops, handler: (session) => refuseUnroutedCall(session, settings, logger) });

    const readiness: ReadinessCheck[] = [
      {
        name: 'database',
        check: async () => {
          await db.raw('select 1');
          return { ok: true };
        },
      },
      ...telephony.readiness,
    ];
    const app = createHttpApp({ logger, readiness });
    const server = await listen(app, settings.http.host, settings.http.port);
    stops.push('http', () => closeServer(server));
    const httpPort = (server.address() as AddressInfo).port;
    logger.info(`HTTP API listening on http://${settings.http.host}:${httpPort}`, { port: httpPort });

    return { httpPort, db, telephony, stop: () => stops.stopAll() };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}

/** A call reached our socket that no call flow claims: refuse it without answering, so nobody pays. */
async function refuseUnroutedCall(session: CallSession, settings: Settings, logger: Logger): Promise<void> {
  logger.warn('refusing a call no call flow handles', { legUuid: session.uuid, destination: session.destinationNumber });
  await session.reject(settings.callback.rejectHangupCause);
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

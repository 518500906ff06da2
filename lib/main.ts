import { loadSettings, SettingsError } from './config';
import { createLogger } from './log/logger';
import { PortInUse } from './service/port-in-use';
import { installRejectionPolicy } from './process-policy';
import { startService } from './service/start-service';

/** `npm start`: load settings, start, and stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings({ env: process.env });
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`callback: invalid settings\n${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({ level: settings.log.level, format: settings.log.format });
  installRejectionPolicy(process, logger);
  // Listening before the start finishes: the ports are open (and SIGTERM may come) well before
  // startService resolves, and Node's default would end the process without stopping anything.
  const starting = startService(settings, logger);
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    starting
      .then((service) => service.stop())
      .then(
        () => {
          logger.info('stopped');
          process.exitCode = 0;
        },
        (error: unknown) => {
          logger.error('stop failed', { error });
          process.exitCode = 1;
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await starting;
  logger.info('callback service started');
}

main().catch((error: unknown) => {
  // A taken port is the operator's to fix, and the message says how: no stack to wade through.
  if (error instanceof PortInUse) console.error(`callback: ${error.message}`);
  else console.error('callback: failed to start:', error);
  process.exit(1);
});

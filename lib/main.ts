import { loadSettings, SettingsError } from './config';
import { createLogger } from './log/logger';
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
  const service = await startService(settings, logger);
  logger.info('callback service started');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    service.stop().then(
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
}

main().catch((error: unknown) => {
  console.error('callback: failed to start:', error);
  process.exit(1);
});

import winston from 'winston';

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Fields every log line about a call carries, so that one grep follows a request end to end. */
export interface CallLogContext {
  requestId?: string;
  legUuid?: string;
  node?: string;
}

export type Logger = winston.Logger;

export function createLogger(options: { level: LogLevel; format: LogFormat; silent?: boolean }): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
      : winston.format.combine(
          winston.format.colorize(),
          winston.format.timestamp({ format: 'HH:mm:ss.SSS' }),
          winston.format.errors({ stack: true }),
          winston.format.printf(({ timestamp, level, message, ...rest }) => {
            const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
            return `${String(timestamp)} ${level} ${String(message)}${fields}`;
          }),
        );
  return winston.createLogger({
    level: options.level,
    format,
    silent: options.silent ?? false,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}

export function callLogger(parent: Logger, context: CallLogContext): Logger {
  return parent.child(context);
}

/** A logger for tests: silent unless LOG_TESTS=1, so failures can be investigated on demand. */
export function testLogger(): Logger {
  return createLogger({ level: 'debug', format: 'pretty', silent: process.env.LOG_TESTS !== '1' });
}

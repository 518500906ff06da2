import type { Writable } from 'node:stream';
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

/** `stream`: where lines go instead of the console (the benchmarks count what writing lines costs without printing them). */
export function createLogger(options: { level: LogLevel; format: LogFormat; silent?: boolean; stream?: Writable }): Logger {
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
  const logger = winston.createLogger({
    level: options.level,
    format,
    silent: options.silent ?? false,
    transports: [options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
  dropLinesNobodyTakes(logger);
  return logger;
}

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/**
 * winston builds a line, runs it through the format (JSON, timestamp) and pipes it on before its
 * transport drops it by level, and a silent logger still builds and pipes it: at level info every
 * debug line on a call's path paid a serialization, and the silent logger of the benchmarks and
 * tests was about 3 % of a callback's CPU (issue #20). A line no transport would take is now
 * dropped before it is built. Asked at each call, not once: a logger's level and silence may be
 * changed while it runs (children share them with it).
 */
function dropLinesNobodyTakes(logger: Logger): void {
  for (const level of LEVELS) {
    const write = logger[level];
    const writeIfTaken = function (this: Logger | undefined, ...args: unknown[]): Logger {
      const self = this ?? logger;
      if (self.silent || !self.isLevelEnabled(level)) return self;
      return Reflect.apply(write, self, args) as Logger;
    };
    logger[level] = writeIfTaken as winston.LeveledLogMethod;
  }
}

export function callLogger(parent: Logger, context: CallLogContext): Logger {
  return parent.child(context);
}

/** A logger for tests: silent unless LOG_TESTS=1, so failures can be investigated on demand. */
export function testLogger(): Logger {
  return createLogger({ level: 'debug', format: 'pretty', silent: process.env.LOG_TESTS !== '1' });
}

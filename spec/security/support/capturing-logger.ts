import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '../../../lib/log/logger';

/** Every line a logger wrote, as text (message and all metadata), for asserting what never appears. */
export interface LogCapture {
  readonly lines: string[];
  /** The secrets found in any line, with the line: empty when none leaked. */
  leaks(secrets: readonly string[]): Array<{ secret: string; line: string }>;
}

function captureStream(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
}

function capture(lines: string[]): LogCapture {
  return {
    lines,
    leaks: (secrets) => lines.flatMap((line) => secrets.filter((secret) => line.includes(secret)).map((secret) => ({ secret, line: line.slice(0, 300) }))),
  };
}

/** A debug-level JSON logger writing into memory. */
export function capturingLogger(): { logger: Logger; capture: LogCapture } {
  const lines: string[] = [];
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: captureStream(lines) })],
  });
  return { logger, capture: capture(lines) };
}

/** Redirects an existing (test) logger, and every child of it, into memory at debug level. */
export function captureLogger(logger: Logger): LogCapture {
  const lines: string[] = [];
  logger.clear();
  logger.add(new winston.transports.Stream({ stream: captureStream(lines) }));
  logger.silent = false;
  logger.level = 'debug';
  return capture(lines);
}

import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../lib/log/logger';

/** The logger's output redirected into memory, its level and silence left as they are. */
function captured(logger: Logger): string[] {
  const lines: string[] = [];
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    }),
  );
  return lines;
}

describe('createLogger', () => {
  it('writes the lines of its level and above, and builds none below it', () => {
    const logger = createLogger({ level: 'info', format: 'json' });
    const lines = captured(logger);
    const write = jest.spyOn(logger, 'write');
    logger.debug('not taken', { detail: 1 });
    expect(write).not.toHaveBeenCalled();
    logger.info('taken', { detail: 2 });
    logger.warn('taken too');
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['taken', 'taken too']);
  });

  it('lets its children, and a method called detached, drop and write alike', () => {
    const logger = createLogger({ level: 'warn', format: 'json' });
    const lines = captured(logger);
    const child = logger.child({ requestId: 'r1' });
    child.info('not taken');
    const { error } = child;
    error('taken');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'taken', level: 'error' });
  });

  it('follows a level and a silence changed while it runs', () => {
    const logger = createLogger({ level: 'info', format: 'json', silent: true });
    const lines = captured(logger);
    logger.error('silenced');
    logger.silent = false;
    logger.debug('below the level');
    logger.level = 'debug';
    logger.child({ legUuid: 'u1' }).debug('now taken');
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['now taken']);
  });
});

import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../lib/log/logger';

/** A logger whose lines are written into memory (the `stream` option the benchmarks use too). */
function captured(options: Parameters<typeof createLogger>[0]): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ ...options, stream }), lines };
}

describe('createLogger', () => {
  it('writes the lines of its level and above, and builds none below it', () => {
    const { logger, lines } = captured({ level: 'info', format: 'json' });
    const write = jest.spyOn(logger, 'write');
    logger.debug('not taken', { detail: 1 });
    expect(write).not.toHaveBeenCalled();
    logger.info('taken', { detail: 2 });
    logger.warn('taken too');
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['taken', 'taken too']);
  });

  it('lets its children, and a method called detached, drop and write alike', () => {
    const { logger, lines } = captured({ level: 'warn', format: 'json' });
    const child = logger.child({ requestId: 'r1' });
    child.info('not taken');
    const { error } = child;
    error('taken');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'taken', level: 'error' });
  });

  it('follows a level and a silence changed while it runs', () => {
    const { logger, lines } = captured({ level: 'info', format: 'json', silent: true });
    logger.error('silenced');
    logger.silent = false;
    logger.debug('below the level');
    logger.level = 'debug';
    logger.child({ legUuid: 'u1' }).debug('now taken');
    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['now taken']);
  });
});

import type { Logger } from './log/logger';

/**
 * What the process does with a promise rejection nobody handled. Node's default is to exit, which
 * would drop every call this controller is running (their sockets close and FreeSWITCH hangs up
 * the parked legs, 08a) because of one forgotten `.catch` in one call. Here it is logged as an
 * error, with its stack, and the process goes on; the bug still shows in the logs and is fixed
 * there. Uncaught exceptions keep Node's default: state after a synchronous throw is unknown.
 */
export function installRejectionPolicy(target: NodeJS.EventEmitter, logger: Logger): () => void {
  const onRejection = (reason: unknown): void => {
    logger.error('unhandled promise rejection; calls go on', {
      error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  };
  target.on('unhandledRejection', onRejection);
  return () => void target.off('unhandledRejection', onRejection);
}

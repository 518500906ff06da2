import { runInThisContext } from 'node:vm';

/**
 * Records the promise rejections nobody handled while it is on. Jest gives a test file a process
 * object of its own, whose events never fire, and keeps the real one's `unhandledRejection` to
 * itself: the real process is taken from the main context and Jest's listeners set aside meanwhile.
 */
export function recordUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const real = runInThisContext('process') as NodeJS.Process;
  const seen: unknown[] = [];
  const saved = real.listeners('unhandledRejection');
  const record = (reason: unknown): void => void seen.push(reason);
  real.removeAllListeners('unhandledRejection');
  real.on('unhandledRejection', record);
  return {
    seen,
    stop() {
      real.off('unhandledRejection', record);
      for (const listener of saved) real.on('unhandledRejection', listener as NodeJS.UnhandledRejectionListener);
    },
  };
}

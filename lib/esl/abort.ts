/** What a step rejects with when its AbortSignal fires: the signal's own reason, as fetch does. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * Calls `onAbort` once if the signal fires; returns the function that detaches it. Every waiter
 * must detach on settle, or a long-lived signal (one per call) collects listeners.
 */
export function onAbort(signal: AbortSignal | undefined, onAbortCallback: (reason: Error) => void): () => void {
  if (!signal) return () => undefined;
  const listener = (): void => onAbortCallback(abortReason(signal));
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

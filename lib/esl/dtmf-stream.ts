/** What a DTMF stream needs from a call. */
export interface DtmfSource {
  readonly isEnded: boolean;
  onDtmf(listener: (digit: string) => void): () => void;
  onEnd(listener: () => void): () => void;
}

/**
 * Digits as an async iterator, from now until the call ends or the loop breaks. Digits that
 * arrive while the consumer is busy are queued, so none is lost or reordered.
 */
export function dtmfStream(source: DtmfSource): AsyncIterableIterator<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let done = source.isEnded;
  const stop = (): void => {
    done = true;
    unsubscribe();
    unsubscribeEnd();
    wake?.();
  };
  const unsubscribe = source.onDtmf((digit) => {
    queue.push(digit);
    wake?.();
  });
  const unsubscribeEnd = source.onEnd(stop);
  if (done) stop();
  const iterator: AsyncIterableIterator<string> = {
    next: async () => {
      while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const digit = queue.shift();
      return digit === undefined ? { done: true, value: undefined } : { done: false, value: digit };
    },
    return: async () => {
      stop();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

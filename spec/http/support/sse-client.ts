import http from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
}

export interface SseConnection {
  readonly events: SseEvent[];
  readonly status: Promise<number>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Resolves once `predicate` holds for the events received (checked on every event). */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A minimal EventSource for tests: one GET, events parsed as they arrive. */
export function connectSse(url: string, headers: Record<string, string>): SseConnection {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  let resolveStatus!: (status: number) => void;
  let resolveEnded!: () => void;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  let buffer = '';
  const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
      }
      for (const waiter of [...waiters]) waiter();
    });
    res.on('end', resolveEnded);
    res.on('close', resolveEnded);
  });
  req.on('error', () => resolveEnded());
  return {
    events,
    status,
    ended,
    until(predicate, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(events)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE condition not met; got ${JSON.stringify(events)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => req.destroy(),
  };
}

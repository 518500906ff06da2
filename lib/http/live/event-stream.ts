import type { Request, Response } from 'express';
import type { Clock, TimerHandle } from '../../time/clock';

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
  /** Called once, when the client goes away or the stream is ended. */
  onClose(callback: () => void): void;
}

/**
 * A Server-Sent Events response. The heartbeat comment keeps proxies from closing an idle
 * stream; `retry` tells EventSource how soon to reconnect.
 */
export function openEventStream(req: Request, res: Response, clock: Clock): EventStream {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    // nginx would otherwise buffer the stream.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  const closers: Array<() => void> = [];
  let closed = false;
  let heartbeat: TimerHandle | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    heartbeat?.cancel();
    for (const callback of closers.splice(0)) callback();
  };
  const beat = (): void => {
    heartbeat = clock.setTimeout(() => {
      if (closed) return;
      res.write(': keep-alive\n\n');
      beat();
    }, HEARTBEAT_MS);
  };
  beat();
  req.on('close', close);
  res.on('close', close);
  // A client gone while the handler was still reading the snapshot: its 'close' has been and gone.
  if (res.destroyed || req.socket.destroyed) close();
  return {
    send(event, data) {
      if (closed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      close();
      res.end();
    },
    onClose(callback) {
      if (closed) callback();
      else closers.push(callback);
    },
  };
}

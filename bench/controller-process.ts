/**
 * One controller as a process of its own (forked by controller-child.ts), so that the multi-instance
 * scenario runs two of them on one database and one Redis, as an operator scales past one core.
 */
import type { QueueSettings } from '../lib/config';
import { DEFAULT_POOL_MAX } from '../lib/config/database-schema';
import type { RequestChange } from '../lib/callback/engine';
import { openDatabase } from '../lib/store/database';
import { startControllerOn, type BenchAccounts, type Controller } from './controller';

export type ControllerRequest =
  | ({ type: 'start'; simPort: number; databaseUrl: string; queue: QueueSettings; instanceId: string } & BenchAccounts)
  | { type: 'order'; orders: { accountId: number; source: string; destination: string }[] }
  | { type: 'stats' }
  | { type: 'stop' };

export interface ControllerStats {
  /** Request id → times the scheduler handed it to this process to dial. */
  dialed: [string, number][];
  /** Epoch ms of each uuid_bridge this process sent. */
  bridgedAt: number[];
  ended: number;
  orderErrors: number;
  cpuMs: number;
}

export type ControllerReply = { type: 'ready' } | { type: 'done' } | ({ type: 'stats' } & ControllerStats);

const TERMINAL = new Set(['completed', 'busy', 'no_answer', 'failed', 'cancelled']);
/** Each controller process opens the pool the service would by default (database.pool.max). */
const POOL_MAX = DEFAULT_POOL_MAX;

function main(): void {
  let controller: Controller | undefined;
  let ended = 0;
  let orderErrors = 0;
  const reply = (message: ControllerReply): void => void process.send?.(message);
  process.on('message', (message: ControllerRequest) => {
    void handle(message).catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });

  // forkBenchChild waits for a first message: the process is up, the controller starts on 'start'.
  reply({ type: 'ready' });

  async function handle(message: ControllerRequest): Promise<void> {
    if (message.type === 'start') {
      const db = openDatabase({ client: 'mysql', url: message.databaseUrl, pool: { min: 0, max: POOL_MAX } });
      controller = await startControllerOn({ ...message, db, poolMax: POOL_MAX, cleanup: () => db.destroy() });
      controller.engine.on('request', (change: RequestChange) => {
        if (TERMINAL.has(change.to)) ended += 1;
      });
      reply({ type: 'done' });
    } else if (message.type === 'order') {
      const engine = controller?.engine;
      if (!engine) throw new Error('order before start');
      // Not awaited: the parent paces the orders, as clients of the API would.
      for (const order of message.orders) {
        engine.order({ ...order, mode: 'simultaneous' }).catch(() => (orderErrors += 1));
      }
      reply({ type: 'done' });
    } else if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      reply({
        type: 'stats',
        dialed: [...(controller?.dialed ?? [])],
        bridgedAt: (controller?.bridges ?? []).map(([, , at]) => performance.timeOrigin + at),
        ended,
        orderErrors,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    } else {
      await controller?.stop();
      reply({ type: 'done' });
    }
  }
}

main();

/**
 * Where the slowest orders wait before their first originate: orders callbacks at `--rate=N`/s
 * (default 20) for `--seconds=S` (default 20) after a warm-up at 100/s, as the call-setup ramp
 * does (simultaneous mode, A answers after 50 ms, B after 100 ms, 2 s talk), timing every
 * statement the database answers (knex's `query` and `query-response` events) and the event
 * loop's turns. Prints order → originate's distribution, then for the `--slowest=K` (default 5)
 * orders and the median one their timeline: each statement sent between the order and its originate, when it left,
 * how long its answer took, and whether it was the order's own (its request id or leg uuid in the
 * bindings), and the event loop's blocked stretches in that window. `--cpu-prof=FILE` writes a CPU
 * profile of the measured orders (not of the warm-up).
 * A debugging aid, not a benchmark: `npx tsx bench/originate-trace.ts [--mariadb] [--rate=N] [--seconds=S] [--slowest=K] [--cpu-prof=FILE]`
 * (`--mariadb` needs TEST_MYSQL_URL and TEST_REDIS_URL, as `npm run bench` does).
 */
import type { RequestChange } from '../lib/callback/engine';
import { startController } from './controller';
import { startCpuProfile } from './cpu-profile';
import { callbackParties, startSimChild } from './sim-child';
import { option, runScript } from './script';
import { shapeOf } from './sql-count';
import { distribution, round, sleep } from './stats';

const TERMINAL = new Set(['completed', 'busy', 'no_answer', 'failed', 'cancelled']);
const WARM_UP = { rate: 100, seconds: 3 };

interface Statement {
  readonly sql: string;
  readonly bindings: readonly unknown[];
  readonly sentAt: number;
  /** A BEGIN or COMMIT sent in one packet with the statement next to it. */
  readonly rides: boolean;
  answeredAt?: number;
}

interface Order {
  readonly id: string;
  readonly at: number;
  readonly returnedAt: number;
}

/** Stretches when the event loop did not come back to a 1 ms timer for longer than `minMs`. */
class LoopStalls {
  readonly stalls: { at: number; ms: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(minMs: number): void {
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      if (now - last > minMs) this.stalls.push({ at: last, ms: now - last });
      last = now;
    }, 1);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function main(): Promise<void> {
  const mariadb = process.argv.includes('--mariadb');
  const rate = Number(option('--rate=') ?? 20);
  const seconds = Number(option('--seconds=') ?? 20);
  const slowest = Number(option('--slowest=') ?? 5);
  const profileFile = option('--cpu-prof=');
  const redisUrl = process.env.TEST_REDIS_URL;
  if (mariadb && !redisUrl) throw new Error('--mariadb needs TEST_MYSQL_URL and TEST_REDIS_URL');
  const total = WARM_UP.rate * WARM_UP.seconds + rate * seconds;
  const sim = await startSimChild();
  try {
    const { aNumbers, bNumbers } = await callbackParties(sim, total, 2_000);
    const controller = await startController({
      simPort: sim.port,
      database: mariadb ? 'mariadb' : 'sqlite',
      queue: mariadb && redisUrl ? { driver: 'redis', url: redisUrl, prefix: `cbtrace-${process.pid}` } : { driver: 'memory' },
      accounts: 20,
    });
    const ended = new Set<string>();
    const moves = new Map<string, { to: string; at: number }[]>();
    controller.engine.on('request', (change: RequestChange) => {
      const list = moves.get(change.requestId) ?? [];
      list.push({ to: change.to, at: performance.now() });
      moves.set(change.requestId, list);
      if (TERMINAL.has(change.to)) ended.add(change.requestId);
    });
    let next = 0;
    const orderAt = async (perSecond: number, forSeconds: number, into: Order[]): Promise<void> => {
      const count = perSecond * forSeconds;
      const started = performance.now();
      const pending: Promise<void>[] = [];
      for (let issued = 0; issued < count; ) {
        const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
        for (; issued < due; issued += 1) {
          const i = next++;
          const at = performance.now();
          const accountId = controller.accountIds[i % controller.accountIds.length]!;
          pending.push(controller.engine.order({ accountId, source: aNumbers[i]!, destination: bNumbers[i]!, mode: 'simultaneous' }).then(({ request }) => void into.push({ id: request.id, at, returnedAt: performance.now() })));
        }
        await sleep(5);
      }
      await Promise.all(pending);
      const limit = performance.now() + 30_000;
      while (into.some((order) => !ended.has(order.id)) && performance.now() < limit) await sleep(20);
    };
    try {
      await orderAt(WARM_UP.rate, WARM_UP.seconds, []);
      const statements: Statement[] = [];
      const byUid = new Map<string, Statement>();
      const onQuery = (data: { sql?: unknown; bindings?: readonly unknown[]; __knexQueryUid?: string; sharesRoundTrip?: boolean }): void => {
        const statement: Statement = { sql: String(data.sql), bindings: data.bindings ?? [], sentAt: performance.now(), rides: data.sharesRoundTrip === true };
        statements.push(statement);
        if (data.__knexQueryUid) byUid.set(data.__knexQueryUid, statement);
      };
      const onAnswer = (_answer: unknown, data: { __knexQueryUid?: string }): void => {
        const statement = data.__knexQueryUid ? byUid.get(data.__knexQueryUid) : undefined;
        if (statement) statement.answeredAt = performance.now();
      };
      controller.db.on('query', onQuery);
      controller.db.on('query-response', onAnswer);
      const stalls = new LoopStalls();
      stalls.start(3);
      const profiler = profileFile === undefined ? undefined : await startCpuProfile(profileFile);
      const orders: Order[] = [];
      await orderAt(rate, seconds, orders);
      await profiler?.stop();
      stalls.stop();
      controller.db.off('query', onQuery);
      controller.db.off('query-response', onAnswer);

      const timed = orders.map((order) => ({ ...order, originateMs: (controller.originateAt.get(order.id) ?? Infinity) - order.at }));
      const commits = statements.filter((statement) => /commit/i.test(statement.sql) && statement.answeredAt !== undefined).map((statement) => statement.answeredAt! - statement.sentAt);
      console.log(`${mariadb ? 'MariaDB + Redis' : 'SQLite + memory queue'}, ${rate}/s for ${seconds} s: ${orders.length} orders`);
      console.log('order → originate ms', distribution(timed.map((order) => order.originateMs).filter(Number.isFinite)));
      console.log('order → order returned ms', distribution(timed.map((order) => order.returnedAt - order.at)));
      console.log('statement sent → answered ms (all)', distribution(statements.filter((s) => s.answeredAt !== undefined).map((s) => s.answeredAt! - s.sentAt)));
      console.log('statements carrying a COMMIT: sent → answered ms', distribution(commits));
      console.log('sent → answered ms by statement (BEGIN or COMMIT riding with it shown with it), commonest first:');
      console.table(byShape(statements));
      console.log(`event-loop stalls > 3 ms: ${stalls.stalls.length}, longest ${round(Math.max(0, ...stalls.stalls.map((stall) => stall.ms)), 1)} ms`);
      const byDuration = timed.sort((a, b) => b.originateMs - a.originateMs);
      // The slowest, then the median one: what every order waits for, against what the slow ones wait for besides.
      for (const order of [...byDuration.slice(0, slowest), byDuration[Math.floor(byDuration.length / 2)]!]) {
        const end = order.at + order.originateMs;
        console.log(`\nrequest ${order.id}: originate after ${round(order.originateMs, 1)} ms, order returned after ${round(order.returnedAt - order.at, 1)} ms`);
        for (const move of moves.get(order.id) ?? []) if (move.at <= end + 1) console.log(`  +${round(move.at - order.at, 1).toFixed(1).padStart(6)}  moved to ${move.to}`);
        for (const stall of stalls.stalls) if (stall.at + stall.ms >= order.at && stall.at <= end) console.log(`  +${round(stall.at - order.at, 1).toFixed(1).padStart(6)}  event loop away ${round(stall.ms, 1)} ms`);
        for (const statement of statements) {
          if (statement.sentAt < order.at - 1 || statement.sentAt > end) continue;
          const own = statement.bindings.some((binding) => binding === order.id) ? 'own ' : '    ';
          const took = statement.answeredAt === undefined ? 'unanswered' : `${round(statement.answeredAt - statement.sentAt, 1)} ms`;
          console.log(`  +${round(statement.sentAt - order.at, 1).toFixed(1).padStart(6)}  ${own}${took.padStart(9)}  ${statement.sql.replace(/\s+/g, ' ').slice(0, 110)}`);
        }
      }
    } finally {
      await controller.stop();
    }
  } finally {
    await sim.stop();
  }
}

/** Each statement shape's answer times; a BEGIN or COMMIT sent in one packet with a statement is folded into it (same send, same answer). */
function byShape(statements: readonly Statement[]): { statement: string; count: number; p50: number; p99: number; max: number }[] {
  const times = new Map<string, number[]>();
  for (const [index, statement] of statements.entries()) {
    if (statement.answeredAt === undefined || statement.rides) continue;
    const before = statements[index - 1];
    const after = statements[index + 1];
    const begin = before?.rides === true && before.sql === 'BEGIN;' ? 'BEGIN; ' : '';
    const commit = after?.rides === true && after.sql === 'COMMIT;' ? ' ; COMMIT' : '';
    const shape = `${begin}${shapeOf(statement.sql).slice(0, 90)}${commit}`;
    const list = times.get(shape) ?? [];
    list.push(statement.answeredAt - statement.sentAt);
    times.set(shape, list);
  }
  return [...times]
    .map(([statement, list]) => ({ statement, ...distribution(list) }))
    .sort((a, b) => b.count - a.count)
    .map(({ statement, count, p50, p99, max }) => ({ statement, count, p50, p99, max }));
}

runScript(main);

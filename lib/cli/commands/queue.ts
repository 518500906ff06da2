import { Argument, type Command } from 'commander';
import type { CallbackRequest } from '../../store';
import { bullCounts, type BullCounts } from '../bull-counts';
import type { CliContext } from '../context';
import { integer } from '../parsers';
import { QUEUE_VIEWS, requestIdsInView, sqlQueueCounts, type QueueView } from '../queue-inspection';
import { renderRecord, renderTable } from '../table';
import { REQUEST_COLUMNS, shownRequest } from './callbacks';

export function registerQueue(program: Command, ctx: CliContext): void {
  const queue = program.command('queue').description('what is waiting, scheduled, in progress and failed');

  queue
    .command('status')
    .description('counts from SQL, and from the BullMQ dial queue when the queue driver is redis')
    .action(async () => {
      const store = await ctx.store();
      const sql = await sqlQueueCounts(store.db, ctx.now());
      const queueSettings = ctx.settings().queue;
      const bull: { prefix: string; counts: BullCounts } | null =
        queueSettings.driver === 'redis' ? { prefix: queueSettings.prefix, counts: await bullCounts(queueSettings) } : null;
      ctx.out.either({ sql, bullmq: bull?.counts ?? null }, () => {
        const states = Object.entries(sql.byState).sort(([a], [b]) => a.localeCompare(b));
        const byState = renderTable(states, [
          { header: 'state', value: ([state]) => state },
          { header: 'requests', value: ([, n]) => String(n), numeric: true },
        ]);
        const parts = [countsText(sql), `\nby state:\n${states.length === 0 ? '(none)\n' : byState}`];
        if (bull) parts.push(`\nBullMQ dial queue (prefix ${bull.prefix}):\n${bull.counts.ok ? countsText(bull.counts) : `unavailable: ${bull.counts.error}\n`}`);
        else parts.push('\nBullMQ: not used (queue.driver is memory; the in-process queue lives in the service)\n');
        return parts.join('');
      });
    });

  queue
    .command('list')
    .description('the requests in one part of the queue')
    .addArgument(new Argument('<view>', 'which part').choices(QUEUE_VIEWS))
    .option('--limit <n>', 'at most this many', integer(1, 10_000), 50)
    .action(async (view: QueueView, options: { limit: number }) => {
      const store = await ctx.store();
      const ids = await requestIdsInView(store.db, view, ctx.now(), options.limit);
      const requests = (await Promise.all(ids.map((id) => store.callbackRequests.findById(id)))).filter((r): r is CallbackRequest => r !== null);
      ctx.out.list(requests, REQUEST_COLUMNS, requests.map(shownRequest));
    });
}

function countsText(counts: Record<QueueView, number>): string {
  return renderRecord(QUEUE_VIEWS.map((view) => [view, String(counts[view])] as const));
}

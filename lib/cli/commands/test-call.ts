import type { Command } from 'commander';
import { isFinalState, isRequestState } from '../../callback/state/request-state';
import { DEMO } from '../../../db/seeds/demo';
import type { CallbackRequest } from '../../store';
import type { CliContext } from '../context';
import { failure } from '../errors';
import { findRequest } from '../lookup';
import { progressLines, snapshotOf, type CallSnapshot } from '../call-progress';
import { integer } from '../parsers';
import { renderRecord } from '../table';
import { handoverText, orderCallback, REQUEST_COLUMNS } from './callbacks';

const POLL_MS = 500;

/**
 * A test call is an ordinary callback, marked as a test in its data, ordered from the demo
 * account unless told otherwise: the running service dials it like any other, which is exactly
 * what the test is meant to show.
 */
export function registerTestCall(program: Command, ctx: CliContext): void {
  program
    .command('test-call')
    .description('order a callback to a number through the running service, optionally waiting for the outcome')
    .argument('<number>', 'the phone to ring (leg A)')
    .option('--account <account>', 'who pays, id or name', DEMO.accountName)
    .option('--destination <number>', 'leg B; without it the phone is asked for a destination')
    .option('--wait <seconds>', 'wait up to this long for the request to finish, printing each change of the request and its legs, and fail unless it completed', integer(1, 3600))
    .action(async (number: string, options: { account: string; destination?: string; wait?: number }) => {
      const store = await ctx.store();
      const { request, handover } = await orderCallback(ctx, store, {
        account: options.account,
        source: number,
        destination: options.destination,
        data: { testCall: true },
      });
      await ctx.audit('test_call', { accountId: request.accountId, requestId: request.id });
      if (options.wait === undefined) {
        ctx.out.note(`ordered; dialed: ${handoverText(handover)}. Follow it with \`callbacks show <id>\`.`);
        return ctx.out.record(
          REQUEST_COLUMNS.map((column) => [column.header, column.value(request)] as const),
          request,
        );
      }
      const final = await waitForEnd(ctx, request, options.wait * 1000);
      ctx.out.either(final, () => renderRecord(REQUEST_COLUMNS.map((column) => [column.header, column.value(final)] as const)));
      if (final.state !== 'completed') throw failure(`test call ${final.id} ended ${final.state}${final.lastCause ? ` (${final.lastCause})` : ''}`);
    });
}

/** Polls the request and its legs, printing each change as it is seen (stderr, so --json stays parseable). */
async function waitForEnd(ctx: CliContext, request: CallbackRequest, timeoutMs: number): Promise<CallbackRequest> {
  const store = await ctx.store();
  const started = ctx.now();
  let previous: CallSnapshot | undefined;
  for (;;) {
    const current = await findRequest(store, request.id);
    const snapshot = snapshotOf(current, await store.legs.listForRequest(current.id));
    for (const line of progressLines(previous, snapshot, ctx.now() - started)) ctx.out.note(line);
    previous = snapshot;
    if (isRequestState(current.state) && isFinalState(current.state)) return current;
    if (ctx.now() - started >= timeoutMs) throw failure(`test call ${request.id} is still ${current.state} after ${timeoutMs / 1000} s; is the service running?`);
    await ctx.io.sleep(POLL_MS);
  }
}

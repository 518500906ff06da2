import { Option, type Command } from 'commander';
import { cancelStoredRequest } from '../../callback/engine/cancel-stored';
import { CALL_IN_PROGRESS_STATES, REQUEST_STATES } from '../../callback/state/request-state';
import { maxAttemptsFor } from '../../callback/policy/retry-policy';
import { maskUrlCredentials } from '../../http/webhooks/webhook-url';
import { scheduleWallTime } from '../../scheduler/schedule-time';
import { MODES, type CallbackMode, type CallbackRequest, type Cdr, type Leg, type Store } from '../../store';
import type { CliContext } from '../context';
import { invalid, refused } from '../errors';
import { amount, orDash, when } from '../format';
import { countryOf, findAccount, findRequest, phoneNumber } from '../lookup';
import { handOver, type Handover } from '../dial-now';
import { integer } from '../parsers';
import { renderRecord, renderTable, type Column } from '../table';

/** A request as the CLI's JSON gives it: its status webhook URL masked, as in API answers and logs. */
export function shownRequest(request: CallbackRequest): CallbackRequest {
  return request.statusWebhookUrl === null ? request : { ...request, statusWebhookUrl: maskUrlCredentials(request.statusWebhookUrl) };
}

export const REQUEST_COLUMNS: Column<CallbackRequest>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'account', value: (r) => String(r.accountId), numeric: true },
  { header: 'state', value: (r) => r.state },
  { header: 'source', value: (r) => r.source },
  { header: 'destination', value: (r) => orDash(r.destination) },
  { header: 'due', value: (r) => when(r.dueAt) },
  { header: 'attempts', value: (r) => `${r.attempts}/${r.maxAttempts}`, numeric: true },
  { header: 'last cause', value: (r) => orDash(r.lastCause) },
];

const LEG_COLUMNS: Column<{ leg: Leg; cdr: Cdr | undefined }>[] = [
  { header: 'leg', value: ({ leg }) => `${leg.role}${leg.attempt}` },
  { header: 'uuid', value: ({ leg }) => leg.uuid },
  { header: 'number', value: ({ leg }) => leg.number },
  { header: 'state', value: ({ leg }) => leg.state },
  { header: 'node', value: ({ leg }) => orDash(leg.node) },
  { header: 'answered', value: ({ leg }) => when(leg.answeredAt) },
  { header: 'ended', value: ({ leg }) => when(leg.endedAt) },
  { header: 'billsec', value: ({ leg }) => orDash(leg.billsec), numeric: true },
  { header: 'cause', value: ({ leg }) => orDash(leg.hangupCause) },
  { header: 'cost', value: ({ leg, cdr }) => (cdr ? amount(cdr.costMinor) : leg.costMinor === null ? '-' : amount(leg.costMinor)), numeric: true },
];

export interface OrderInput {
  account: string;
  source: string;
  destination?: string;
  mode?: CallbackMode;
  at?: string;
  idempotencyKey?: string;
  maxRetries?: number;
  /** Engine context kept with the request (who ordered it, a test call, …). */
  data?: Record<string, unknown>;
}

/**
 * Stores a request in state `queued` with its due time (SQL is the truth, so ordering needs no
 * running controller in this process), then hands a new one to the service's dial queue so that
 * it is dialed when due rather than at the next sweep (see handOver).
 */
export async function orderCallback(ctx: CliContext, store: Store, input: OrderInput): Promise<{ request: CallbackRequest; created: boolean; handover?: Handover }> {
  const account = await findAccount(store, input.account);
  const settings = ctx.settings();
  const defaults = settings.callback;
  const country = countryOf(account, defaults.defaultCountry);
  const mode = input.mode ?? 'source_first';
  if (mode === 'simultaneous' && input.destination === undefined) throw invalid('--destination', 'simultaneous mode dials both legs at once, so it needs a destination');
  const { request, created } = await store.callbackRequests.create({
    accountId: account.id,
    trigger: 'cli',
    source: phoneNumber('--source', input.source, country),
    destination: input.destination === undefined ? null : phoneNumber('--destination', input.destination, country),
    mode,
    dueAt: input.at === undefined ? ctx.now() : localTime(input.at, account.timeZone, ctx.now()),
    maxAttempts: maxAttemptsFor(input.maxRetries ?? defaults.maxRetries),
    idempotencyKey: input.idempotencyKey ?? null,
    data: { unidentified: false, orderedBy: ctx.operator, ...input.data },
  });
  if (!created) return { request, created };
  return { request, created, handover: await handOver(settings.queue, settings.scheduler.sweepCron, request.id, request.dueAt) };
}

/** What the operator reads about when the order will be dialed. */
export function handoverText(handover: Handover | undefined): string {
  if (handover === undefined) return 'already ordered';
  if (handover.via === 'queue') return 'queued for the service (dialed when due)';
  if (handover.via === 'pickup') return "picked up by the service within a second (in-process queue), dialed when due";
  return `by the service's sweep: ${handover.why}`;
}

/** "2026-05-01 14:30" (or with T, optional seconds) on the account's wall clock, by the rule every path shares. */
function localTime(text: string, zone: string, now: number): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!match) throw invalid('--at', `expected a local time such as "2026-05-01 14:30" (in the account's zone ${zone}), not "${text}"`);
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as number[];
  const scheduled = scheduleWallTime({ year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! }, { text: JSON.stringify(text) }, { now, zone });
  if (!scheduled.ok) throw invalid('--at', scheduled.message);
  return scheduled.dueAt;
}

function parseStates(text: string): string[] {
  const states = text.split(',').map((state) => state.trim());
  const unknown = states.filter((state) => !(REQUEST_STATES as readonly string[]).includes(state));
  if (unknown.length > 0) throw invalid('--state', `unknown state ${unknown.join(', ')}; expected any of ${REQUEST_STATES.join(', ')}`);
  return states;
}

export function registerCallbacks(program: Command, ctx: CliContext): void {
  const callbacks = program.command('callbacks').description('callback requests: order now or at a time, list, show with legs, cancel');

  callbacks
    .command('order')
    .description("queue a callback; a running service dials it when it is due (times are the account's wall clock); with Redis it goes onto the service's dial queue at once, with the in-process queue the service picks it up within a second")
    .requiredOption('--account <account>', 'who pays, id or name')
    .requiredOption('--source <number>', 'leg A: the number called back first')
    .option('--destination <number>', 'leg B; without it leg A is asked for the destination')
    .addOption(new Option('--mode <mode>', 'source first, or both legs at once').choices(MODES).default('source_first'))
    .option('--at <local time>', 'when, e.g. "2026-05-01 14:30" in the account\'s time zone (default: now)')
    .option('--idempotency-key <key>', 'ordering twice with the same key gives the first request back')
    .option('--max-retries <n>', 'further attempts at leg A (default: the callback.maxRetries setting)', integer(0, 10))
    .action(async (options: OrderInput) => {
      const store = await ctx.store();
      const { request, created, handover } = await orderCallback(ctx, store, options);
      if (created) await ctx.audit('callback_ordered', { accountId: request.accountId, requestId: request.id });
      ctx.out.record(
        [
          ...REQUEST_COLUMNS.map((column) => [column.header, column.value(request)] as const),
          ['new', created ? 'yes' : 'no (same idempotency key)'],
          ['dialed', handoverText(handover)],
        ],
        { request: shownRequest(request), created, ...(handover ? { handover } : {}) },
      );
    });

  callbacks
    .command('list')
    .description('newest first')
    .option('--account <account>', 'id or name')
    .option('--state <states>', `comma-separated, any of ${REQUEST_STATES.join(', ')}`, parseStates)
    .option('--limit <n>', 'at most this many', integer(1, 10_000), 50)
    .action(async (options: { account?: string; state?: string[]; limit: number }) => {
      const store = await ctx.store();
      const accountId = options.account === undefined ? undefined : (await findAccount(store, options.account)).id;
      const requests = await store.callbackRequests.list({ accountId, states: options.state, limit: options.limit });
      ctx.out.list(requests, REQUEST_COLUMNS, requests.map(shownRequest));
    });

  callbacks
    .command('show')
    .description('a request with its legs and what each cost')
    .argument('<id>', 'request id')
    .action(async (id: string) => {
      const store = await ctx.store();
      const request = await findRequest(store, id);
      const legs = await store.legs.listForRequest(request.id);
      const cdrs = await store.cdrs.listForRequest(request.id);
      const rows = legs.map((leg) => ({ leg, cdr: cdrs.find((cdr) => cdr.legUuid === leg.uuid) }));
      ctx.out.either({ request: shownRequest(request), legs, cdrs }, () => {
        const fields = [
          ...REQUEST_COLUMNS.map((column) => [column.header, column.value(request)] as const),
          ['mode', request.mode] as const,
          ['trigger', request.trigger] as const,
          ['created', when(request.createdAt)] as const,
          ['state since', when(request.stateChangedAt)] as const,
        ];
        return `${renderRecord(fields)}\nlegs:\n${rows.length === 0 ? '(none yet)\n' : renderTable(rows, LEG_COLUMNS)}`;
      });
    });

  callbacks
    .command('cancel')
    .description('cancel a request, waiting or in progress (the service calling it ends its legs and books them, as on an API cancel)')
    .argument('<id>', 'request id')
    .action(async (id: string) => {
      const store = await ctx.store();
      const request = await findRequest(store, id);
      if (!(await cancelStoredRequest(store, request.id))) {
        const now = (await findRequest(store, request.id)).state;
        throw refused(`request ${request.id} is ${now} and can no longer be cancelled`);
      }
      await ctx.audit('callback_cancelled', { accountId: request.accountId, requestId: request.id, details: { was: request.state } });
      const inProgress = (CALL_IN_PROGRESS_STATES as readonly string[]).includes(request.state);
      if (inProgress) ctx.out.note(`its call ends when the service calling it next renews its lease (within ${leaseRenewalSeconds(ctx)} s)`);
      ctx.out.done(`request ${request.id} cancelled`, { id: request.id, state: 'cancelled', was: request.state });
    });
}

/** How often the service renews a lease on a call it works on, and so notices a cancel: a third of the lease. */
function leaseRenewalSeconds(ctx: CliContext): number {
  return Math.max(1, Math.floor(ctx.settings().scheduler.leaseSeconds / 3));
}

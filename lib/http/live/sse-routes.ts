import { isFinalState, isRequestState } from '../../callback/state/request-state';
import { visibleRequest } from '../api/callbacks';
import type { ApiContext } from '../api/context';
import { ApiError } from '../api/errors';
import { targetAccount, type Principal } from '../api/principal';
import { defineRoute, type Route } from '../api/route';
import type { TimerHandle } from '../../time/clock';
import { accountQuery, errorBody, idParams } from '../api/schemas';
import { callbackOut, legOut } from '../api/views';
import { openEventStream, type EventStream } from './event-stream';
import type { EventFanout } from './fanout';
import type { StreamSlots } from './stream-slots';
import { legPayload, requestPayload, type LiveEvent } from './live-event';

const isFinal = (state: string): boolean => isRequestState(state) && isFinalState(state);
/** Leg statuses after which a leg reports nothing more (the portal's script waits for them too). */
export const FINAL_LEG_STATUSES: readonly string[] = ['busy', 'no-answer', 'failed', 'completed'];
/** After the request's last event, how long legs still settling may take to report before the stream ends anyway. */
const LEG_GRACE_MS = 30_000;

/**
 * When a per-request stream is over: the request has ended and every leg it dialed has
 * reported its final status (a leg's settlement may follow the request's final event).
 */
class StreamEnd {
  done = false;
  private requestEnded = false;
  private readonly open = new Set<string>();
  private grace: TimerHandle | undefined;

  constructor(
    private readonly ctx: ApiContext,
    private readonly end: () => void,
  ) {}

  seeSnapshot(state: string, legs: ReadonlyArray<{ uuid: string; status: string }>): void {
    for (const leg of legs) if (!FINAL_LEG_STATUSES.includes(leg.status)) this.open.add(leg.uuid);
    if (isFinal(state)) this.requestDone();
    this.check();
  }

  see(event: LiveEvent): void {
    if (event.kind === 'leg') {
      if (FINAL_LEG_STATUSES.includes(event.change.status)) this.open.delete(event.change.legUuid);
      else this.open.add(event.change.legUuid);
    } else if (isFinal(event.change.to)) this.requestDone();
    this.check();
  }

  cancel(): void {
    this.grace?.cancel();
  }

  private requestDone(): void {
    if (this.requestEnded) return;
    this.requestEnded = true;
    this.grace = this.ctx.clock.setTimeout(() => this.finish(), LEG_GRACE_MS);
  }

  private check(): void {
    if (this.requestEnded && this.open.size === 0) this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.grace?.cancel();
    this.end();
  }
}

/** Asked of a client refused a stream: streams end with their callbacks, so slots free up soon. */
const STREAM_RETRY_AFTER_SECONDS = 10;

/** A slot for one more stream of the principal, as its release; 429 when its key or the server is at the limit. */
function takeSlot(ctx: ApiContext, slots: StreamSlots, principal: Principal): () => void {
  const slot = slots.take(principal.label);
  if (slot.ok) return slot.release;
  ctx.logger.warn('live stream refused: too many open', { principal: principal.label, limit: slot.full === 'key' ? 'per key' : 'total' });
  const message =
    slot.full === 'key'
      ? `too many live streams open for this API key or login: at most ${slots.limits.perKey} at once; close one first`
      : 'too many live streams open on this server; try again shortly';
  throw new ApiError(429, 'rate_limited', message, undefined, STREAM_RETRY_AFTER_SECONDS);
}

function sendLive(stream: EventStream, event: LiveEvent): void {
  if (event.kind === 'leg') stream.send('leg', legPayload(event.change));
  else stream.send('request', requestPayload(event.change));
}

/** W3: live status as Server-Sent Events (`snapshot` first, then `request` and `leg` events). */
export function liveRoutes(ctx: ApiContext, fanout: EventFanout, slots: StreamSlots): Route[] {
  const perRequest = defineRoute(
    {
      method: 'get',
      path: '/callbacks/:id/events',
      operationId: 'callbackEvents',
      summary: 'Live status of one callback (SSE): a snapshot, then request and leg events; ends with the callback',
      tag: 'live',
      authenticated: true,
      params: idParams,
      responses: {
        200: { description: 'text/event-stream: `snapshot`, `request`, `leg` events', contentType: 'text/event-stream' },
        404: { description: 'no such callback', schema: errorBody },
        429: { description: 'too many live streams open', schema: errorBody },
      },
    },
    async ({ req, res, principal, params }) => {
      const request = await visibleRequest(ctx, principal, params.id);
      const release = takeSlot(ctx, slots, principal);
      // Subscribe before reading the snapshot, and hold events until it is sent: nothing is lost in between.
      const held: LiveEvent[] = [];
      let stream: EventStream | null = null;
      const progress = new StreamEnd(ctx, () => stream?.end());
      const handle = (event: LiveEvent): void => {
        if (!stream) return void held.push(event);
        if (progress.done) return;
        sendLive(stream, event);
        progress.see(event);
      };
      const unsubscribe = fanout.subscribe({ requestId: request.id }, handle);
      try {
        const [current, legs] = await Promise.all([ctx.store.callbackRequests.findById(request.id), ctx.store.legs.listForRequest(request.id)]);
        const opened = openEventStream(req, res, ctx.clock);
        opened.onClose(() => {
          unsubscribe();
          progress.cancel();
          release();
        });
        const snapshot = { callback: callbackOut(current ?? request), legs: legs.map(legOut) };
        opened.send('snapshot', snapshot);
        stream = opened;
        progress.seeSnapshot(snapshot.callback.state, snapshot.legs);
        for (const event of held.splice(0)) handle(event);
      } catch (error) {
        unsubscribe();
        release();
        throw error;
      }
    },
  );

  const perAccount = defineRoute(
    {
      method: 'get',
      path: '/events',
      operationId: 'accountEvents',
      summary: 'Live status of every callback of the account (SSE): request and leg events',
      tag: 'live',
      authenticated: true,
      query: accountQuery,
      responses: {
        200: { description: 'text/event-stream: `ready`, then `request` and `leg` events', contentType: 'text/event-stream' },
        429: { description: 'too many live streams open', schema: errorBody },
      },
    },
    ({ req, res, principal, query }) => {
      const accountId = targetAccount(principal, query.accountId, true);
      const release = takeSlot(ctx, slots, principal);
      const stream = openEventStream(req, res, ctx.clock);
      stream.onClose(release);
      stream.onClose(fanout.subscribe({ accountId }, (event) => sendLive(stream, event)));
      stream.send('ready', { accountId: accountId ?? null });
    },
  );

  return [perRequest, perAccount];
}

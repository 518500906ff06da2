import fc from 'fast-check';
import { decide, type DecideContext } from '../../lib/callback/state/decide';
import type { Action, CallLeg, RequestEvent } from '../../lib/callback/state/request-events';
import {
  canTransition,
  isFinalState,
  REQUEST_STATES,
  REQUEST_TRANSITIONS,
  type RequestState,
} from '../../lib/callback/state/request-state';
import type { E164 } from '../../lib/domain/phone-number';
import { HANGUP_CAUSES, type HangupCause } from '../../lib/esl/hangup-causes';
import { DESTINATION, OTHER_DESTINATION, RequestHarness, T0, type Settings } from './request-harness';

/** Which legs exist (dialed, not yet settled) and which of them answered, in each state. */
const LIVE: { readonly [S in RequestState]: readonly CallLeg[] } = {
  queued: [],
  retry_scheduled: [],
  dialing_a: ['A'],
  a_answered: ['A'],
  dialing_both: ['A', 'B'],
  b_answered: ['A', 'B'],
  dialing_b: ['A', 'B'],
  bridged: ['A', 'B'],
  receiving_fax: ['B'],
  conference: ['A', 'B'],
  transferred: ['B'],
  completed: [],
  busy: [],
  no_answer: [],
  failed: [],
  cancelled: [],
};
const ANSWERED: { readonly [S in RequestState]?: readonly CallLeg[] } = {
  a_answered: ['A'],
  dialing_b: ['A'],
  b_answered: ['B'],
  bridged: ['A', 'B'],
  receiving_fax: ['B'],
  conference: ['A', 'B'],
  transferred: ['B'],
};

const causes = HANGUP_CAUSES.map((c) => c.name);
const cause: fc.Arbitrary<HangupCause> = fc.constantFrom(...causes);
const leg: fc.Arbitrary<CallLeg> = fc.constantFrom('A', 'B');
const number: fc.Arbitrary<E164> = fc.constantFrom(DESTINATION, OTHER_DESTINATION);

const prompt = fc.constantFrom<string | null>(null, 'ivr/busy', 'ivr/failed');
const event: fc.Arbitrary<RequestEvent> = fc.oneof(
  fc.constant<RequestEvent>({ type: 'due' }),
  fc.constant<RequestEvent>({ type: 'refused', reason: 'tariff' }),
  fc.constant<RequestEvent>({ type: 'a_answered' }),
  cause.map((c): RequestEvent => ({ type: 'a_failed', cause: c })),
  fc.constant<RequestEvent>({ type: 'b_answered' }),
  cause.map((c): RequestEvent => ({ type: 'b_failed', cause: c })),
  fc.constant<RequestEvent>({ type: 'b_refused', reason: 'insufficient_funds' }),
  fc.tuple(leg, cause).map(([by, c]): RequestEvent => ({ type: 'hung_up', by, cause: c })),
  number.map((n): RequestEvent => ({ type: 'destination_chosen', number: n })),
  fc.constant<RequestEvent>({ type: 'new_destination_requested' }),
  fc.constant<RequestEvent>({ type: 'b_redial_requested' }),
  fc.constant<RequestEvent>({ type: 'ivr_gave_up', reason: 'no destination' }),
  prompt.map((p): RequestEvent => ({ type: 'fax_requested', path: '/fax/x.tif', prompt: p })),
  fc.constant<RequestEvent>({ type: 'conference_started' }),
  fc.constant<RequestEvent>({ type: 'conference_ended' }),
  fc.constant<RequestEvent>({ type: 'cancelled' }),
);

const requestSettings: fc.Arbitrary<Settings> = fc.record({
  mode: fc.constantFrom('source_first', 'simultaneous'),
  destination: fc.option(number, { nil: null }),
  retry: fc.record({ maxRetries: fc.integer({ min: 0, max: 4 }), retryIntervalSeconds: fc.integer({ min: 5, max: 3600 }) }),
  ivr: fc.record({ busyIvr: prompt, failedIvr: prompt, askAgainOnFailure: fc.boolean() }),
  askAgainAfterTalk: fc.boolean(),
  handover: fc.boolean(),
});
const context: fc.Arbitrary<DecideContext> = fc
  .tuple(requestSettings, fc.integer({ min: 1, max: 6 }), fc.boolean())
  .map(([s, attempt, talked]) => ({ ...s, attempt, talked, now: T0 }));

const legOf = (action: Action): CallLeg | undefined => {
  switch (action.type) {
    case 'dial_a':
    case 'hangup_a':
    case 'play_refusal':
      return 'A';
    case 'dial_b':
    case 'hangup_b':
      return 'B';
    case 'settle_leg':
    case 'play_prompt':
      return action.leg;
    default:
      return undefined;
  }
};

/** Checks one decision against everything the engine relies on. */
function checkStep(from: RequestState, ev: RequestEvent, ctx: DecideContext): void {
  const { to, actions, ignored } = decide(from, ev, ctx);

  if (ignored) {
    expect(to).toBe(from);
    expect(actions).toEqual([]);
    return;
  }
  expect(canTransition(from, to)).toBe(true);

  // Legs: dialed only when absent, hung up and settled only when present, and by the end
  // exactly the legs the new state implies exist.
  const live = new Set<CallLeg>(LIVE[from]);
  for (const action of actions) {
    const target = legOf(action);
    if (target === undefined) continue;
    if (action.type === 'dial_a' || action.type === 'dial_b') {
      expect(live.has(target)).toBe(false);
      live.add(target);
    } else {
      expect(live.has(target)).toBe(true);
      if (action.type === 'settle_leg') live.delete(target);
    }
    // Prompts only reach a leg that answered and is still ours.
    if (action.type === 'play_prompt' || action.type === 'play_refusal') expect(ANSWERED[from]).toContain(target);
    if (action.type === 'hangup_a' || action.type === 'hangup_b') {
      // Never hang up the leg that just ended; cancel a ringing leg, clear an answered one.
      const ended = ev.type === 'a_failed' ? 'A' : ev.type === 'b_failed' ? 'B' : ev.type === 'hung_up' ? ev.by : undefined;
      expect(target).not.toBe(ended);
      expect(action.cause).toBe(ANSWERED[from]?.includes(target) ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL');
    }
  }
  expect([...live].sort()).toEqual([...LIVE[to]]);

  // One report, last, exactly when the request ends.
  const reports = actions.filter((a) => a.type === 'report');
  expect(reports).toEqual(isFinalState(to) ? [{ type: 'report', status: to }] : []);
  if (isFinalState(to)) expect(actions.at(-1)?.type).toBe('report');

  const types = actions.map((a) => a.type);
  expect(types.includes('schedule_retry')).toBe(to === 'retry_scheduled');
  for (const a of actions) if (a.type === 'schedule_retry') expect(a.at).toBeGreaterThan(ctx.now);
  expect(types.includes('ask_destination')).toBe(to === 'a_answered');
  expect(types.includes('bridge')).toBe(to === 'bridged');
  expect(types.includes('receive_fax')).toBe(to === 'receiving_fax');
  expect(types.includes('dial_b')).toBe((to === 'dialing_b' || to === 'dialing_both') && from !== 'dialing_both');
  // Prompts explain a failure to the party left waiting: A after B failed, B after A failed, A after a refusal.
  for (const a of actions) {
    // D5: A is told its call became a fax reception before it is released.
    if (a.type === 'play_prompt' && ev.type === 'fax_requested') expect(a).toEqual({ type: 'play_prompt', leg: 'A', name: ev.prompt });
    else if (a.type === 'play_prompt') expect(ev.type).toBe(a.leg === 'A' ? 'b_failed' : 'a_failed');
    if (a.type === 'play_refusal') expect(ev).toEqual({ type: 'b_refused', reason: a.reason });
  }
}

describe('decide: properties', () => {
  it('every decision, from any state, respects the table and the legs it implies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REQUEST_STATES), event, context, (from, ev, ctx) => checkStep(from, ev, ctx)),
      { numRuns: 5000 },
    );
  });

  it('random event sequences stay in the table, never leave a final state, and report once', () => {
    fc.assert(
      fc.property(requestSettings, fc.array(event, { maxLength: 40 }), (s, events) => {
        const h = new RequestHarness(s);
        let reports = 0;
        for (const ev of events) {
          const from = h.state;
          checkStep(from, ev, h.context());
          const decision = h.send(ev);
          if (isFinalState(from)) expect(decision).toEqual({ to: from, actions: [], ignored: true });
          reports += decision.actions.filter((a) => a.type === 'report').length;
          expect(h.attempt).toBeLessThanOrEqual(s.retry.maxRetries + 1);
        }
        expect(reports).toBe(isFinalState(h.state) ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('every edge of the table is taken by some event (no dead entries)', () => {
    const samples: RequestEvent[] = [
      { type: 'due' },
      { type: 'refused', reason: 'tariff' },
      { type: 'a_answered' },
      { type: 'b_answered' },
      { type: 'destination_chosen', number: DESTINATION },
      { type: 'new_destination_requested' },
      { type: 'b_redial_requested' },
      { type: 'ivr_gave_up', reason: 'pin' },
      { type: 'cancelled' },
      { type: 'fax_requested', path: '/fax/x.tif', prompt: null },
      { type: 'conference_started' },
      { type: 'conference_ended' },
      ...(['USER_BUSY', 'NO_ANSWER', 'UNALLOCATED_NUMBER', 'ORIGINATOR_CANCEL'] as const).flatMap((c): RequestEvent[] => [
        { type: 'a_failed', cause: c },
        { type: 'b_failed', cause: c },
        { type: 'b_refused', reason: c },
        { type: 'hung_up', by: 'A', cause: c },
        { type: 'hung_up', by: 'B', cause: c },
      ]),
    ];
    const flags = [false, true];
    const taken = new Set<string>();
    for (const from of REQUEST_STATES)
      for (const ev of samples)
        for (const mode of ['source_first', 'simultaneous'] as const)
          for (const destination of [DESTINATION, null])
            for (const attempt of [1, 9])
              for (const talked of flags)
                for (const askAgainAfterTalk of flags)
                  for (const askAgainOnFailure of flags)
                    for (const handover of flags) {
                      const ctx: DecideContext = {
                        mode,
                        destination,
                        attempt,
                        talked,
                        now: T0,
                        askAgainAfterTalk,
                        handover,
                        retry: { maxRetries: 2, retryIntervalSeconds: 60 },
                        ivr: { busyIvr: 'ivr/busy', failedIvr: 'ivr/failed', askAgainOnFailure },
                      };
                      const { to, ignored } = decide(from, ev, ctx);
                      if (!ignored) taken.add(`${from} -> ${to}`);
                    }
    const table = Object.entries(REQUEST_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`));
    expect([...taken].sort()).toEqual(table.sort());
  });
});

import { decide } from '../../lib/callback/state/decide';
import type { RequestEvent } from '../../lib/callback/state/request-events';
import { assertTransition, FINAL_STATES, type RequestState } from '../../lib/callback/state/request-state';
import { IllegalTransition } from '../../lib/callback/state/transition-table';
import { DESTINATION, OTHER_DESTINATION, RequestHarness, settings, T0 } from './request-harness';

const due: RequestEvent = { type: 'due' };
const aAnswered: RequestEvent = { type: 'a_answered' };
const bAnswered: RequestEvent = { type: 'b_answered' };
const aFailed = (cause: Extract<RequestEvent, { type: 'a_failed' }>['cause']): RequestEvent => ({ type: 'a_failed', cause });
const bFailed = (cause: Extract<RequestEvent, { type: 'b_failed' }>['cause']): RequestEvent => ({ type: 'b_failed', cause });
const hungUp = (by: 'A' | 'B'): RequestEvent => ({ type: 'hung_up', by, cause: 'NORMAL_CLEARING' });

describe('decide: source first', () => {
  it('dials A, then B, bridges, and completes when A hangs up', () => {
    const h = new RequestHarness();
    expect(h.send(due)).toEqual({ to: 'dialing_a', actions: [{ type: 'dial_a' }], ignored: false });
    expect(h.send(aAnswered)).toEqual({ to: 'dialing_b', actions: [{ type: 'dial_b', number: DESTINATION }], ignored: false });
    expect(h.send(bAnswered)).toEqual({ to: 'bridged', actions: [{ type: 'bridge' }], ignored: false });
    expect(h.send(hungUp('A'))).toEqual({
      to: 'completed',
      actions: [
        { type: 'hangup_b', cause: 'NORMAL_CLEARING' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'settle_leg', leg: 'B' },
        { type: 'report', status: 'completed' },
      ],
      ignored: false,
    });
  });

  it('completes when B hangs up and the two-stage loop is off', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered]);
    expect(h.send(hungUp('B')).actions).toEqual([
      { type: 'settle_leg', leg: 'B' },
      { type: 'hangup_a', cause: 'NORMAL_CLEARING' },
      { type: 'settle_leg', leg: 'A' },
      { type: 'report', status: 'completed' },
    ]);
    expect(h.state).toBe('completed');
  });

  it('asks on leg A when the request has no destination', () => {
    const h = new RequestHarness(settings({ destination: null }));
    h.send(due);
    expect(h.send(aAnswered)).toEqual({ to: 'a_answered', actions: [{ type: 'ask_destination' }], ignored: false });
    expect(h.send({ type: 'destination_chosen', number: OTHER_DESTINATION })).toEqual({
      to: 'dialing_b',
      actions: [{ type: 'dial_b', number: OTHER_DESTINATION }],
      ignored: false,
    });
    expect(h.play([bAnswered, hungUp('A')])).toEqual(['dialing_b', 'bridged', 'completed']);
  });

  it('loops back to the IVR after a talk (C4) until A hangs up', () => {
    const h = new RequestHarness(settings({ destination: null, askAgainAfterTalk: true }));
    h.play([due, aAnswered, { type: 'destination_chosen', number: DESTINATION }, bAnswered]);
    expect(h.send(hungUp('B'))).toEqual({
      to: 'a_answered',
      actions: [{ type: 'settle_leg', leg: 'B' }, { type: 'ask_destination' }],
      ignored: false,
    });
    h.play([{ type: 'destination_chosen', number: OTHER_DESTINATION }, bAnswered]);
    // #11 / ** ends B on the subscriber's request, loop flag or not.
    expect(h.send({ type: 'new_destination_requested' })).toEqual({
      to: 'a_answered',
      actions: [{ type: 'hangup_b', cause: 'NORMAL_CLEARING' }, { type: 'settle_leg', leg: 'B' }, { type: 'ask_destination' }],
      ignored: false,
    });
    // Having talked, the request counts as completed however it ends now.
    expect(h.send(hungUp('A'))).toEqual({
      to: 'completed',
      actions: [{ type: 'settle_leg', leg: 'A' }, { type: 'report', status: 'completed' }],
      ignored: false,
    });
  });

  it('*0 hangs up B, settles it and dials the same number again at once (D4), as often as pressed', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered]);
    const redial = {
      to: 'dialing_b',
      actions: [{ type: 'hangup_b', cause: 'NORMAL_CLEARING' }, { type: 'settle_leg', leg: 'B' }, { type: 'dial_b', number: DESTINATION }],
      ignored: false,
    };
    expect(h.send({ type: 'b_redial_requested' })).toEqual(redial);
    // The old B's hangup arrives after it was replaced: nothing to do.
    expect(h.send(hungUp('B')).ignored).toBe(true);
    expect(h.send(bAnswered).to).toBe('bridged');
    expect(h.send({ type: 'b_redial_requested' })).toEqual(redial);
    // The new B busy: as any failed B, the busy prompt and the end of a request that talked.
    expect(h.send({ type: 'b_failed', cause: 'USER_BUSY' })).toEqual({
      to: 'completed',
      actions: [
        { type: 'settle_leg', leg: 'B' },
        { type: 'play_prompt', leg: 'A', name: 'ivr/busy' },
        { type: 'hangup_a', cause: 'NORMAL_CLEARING' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'report', status: 'completed' },
      ],
      ignored: false,
    });
  });

  it('*0 outside a talk means nothing', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    expect(h.send({ type: 'b_redial_requested' }).ignored).toBe(true);
  });

  it('A hanging up during a consultation (D1) hands the talk over: B stays, and the request completes when B ends', () => {
    const h = new RequestHarness(settings({ handover: true }));
    h.play([due, aAnswered, bAnswered]);
    expect(h.send(hungUp('A'))).toEqual({ to: 'transferred', actions: [{ type: 'settle_leg', leg: 'A' }], ignored: false });
    expect(h.send(hungUp('A')).ignored).toBe(true);
    expect(h.send(hungUp('B'))).toEqual({
      to: 'completed',
      actions: [{ type: 'settle_leg', leg: 'B' }, { type: 'report', status: 'completed' }],
      ignored: false,
    });
  });

  it('a handed-over talk can still be cancelled: B is cleared and settled', () => {
    const h = new RequestHarness(settings({ handover: true }));
    h.play([due, aAnswered, bAnswered, hungUp('A')]);
    expect(h.send({ type: 'cancelled' })).toEqual({
      to: 'cancelled',
      actions: [{ type: 'hangup_b', cause: 'NORMAL_CLEARING' }, { type: 'settle_leg', leg: 'B' }, { type: 'report', status: 'cancelled' }],
      ignored: false,
    });
  });

  it('#11 while B is still ringing cancels B and asks again', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    expect(h.send({ type: 'new_destination_requested' }).actions).toEqual([
      { type: 'hangup_b', cause: 'ORIGINATOR_CANCEL' },
      { type: 'settle_leg', leg: 'B' },
      { type: 'ask_destination' },
    ]);
    expect(h.state).toBe('a_answered');
  });
});

describe('decide: leg A retries (C1)', () => {
  it('A busy, then no answer, then answered on retry 2', () => {
    const h = new RequestHarness(settings({ retry: { maxRetries: 2, retryIntervalSeconds: 60 } }));
    h.send(due);
    expect(h.send(aFailed('USER_BUSY'))).toEqual({
      to: 'retry_scheduled',
      actions: [
        { type: 'settle_leg', leg: 'A' },
        { type: 'schedule_retry', at: T0 + 60_000 },
      ],
      ignored: false,
    });
    expect(h.send(due)).toEqual({ to: 'dialing_a', actions: [{ type: 'dial_a' }], ignored: false });
    expect(h.send(aFailed('NO_ANSWER')).actions).toContainEqual({ type: 'schedule_retry', at: T0 + 120_000 });
    expect(h.play([due, aAnswered, bAnswered, hungUp('A')])).toEqual(['retry_scheduled', 'dialing_a', 'dialing_b', 'bridged', 'completed']);
    expect(h.attempt).toBe(3);
  });

  it('A never answers: no_answer after 1 + maxRetries attempts', () => {
    const h = new RequestHarness(settings({ retry: { maxRetries: 2, retryIntervalSeconds: 30 } }));
    const states = h.play([due, aFailed('NO_ANSWER'), due, aFailed('NO_ANSWER'), due, aFailed('NO_ANSWER')]);
    expect(states).toEqual(['queued', 'dialing_a', 'retry_scheduled', 'dialing_a', 'retry_scheduled', 'dialing_a', 'no_answer']);
    expect(h.history.at(-1)?.decision.actions).toEqual([
      { type: 'settle_leg', leg: 'A' },
      { type: 'report', status: 'no_answer' },
    ]);
    expect(h.send(due)).toEqual({ to: 'no_answer', actions: [], ignored: true });
  });

  it('busy on the last attempt ends busy', () => {
    const h = new RequestHarness(settings({ retry: { maxRetries: 1, retryIntervalSeconds: 30 } }));
    expect(h.play([due, aFailed('NO_ANSWER'), due, aFailed('USER_BUSY')]).at(-1)).toBe('busy');
  });

  it('no retries at all with maxRetries 0', () => {
    const h = new RequestHarness(settings({ retry: { maxRetries: 0, retryIntervalSeconds: 30 } }));
    expect(h.play([due, aFailed('USER_BUSY')]).at(-1)).toBe('busy');
  });

  it.each([
    ['UNALLOCATED_NUMBER', 'failed'],
    ['CALL_REJECTED', 'failed'],
    ['INVALID_GATEWAY', 'failed'],
    ['INVALID_NUMBER_FORMAT', 'failed'],
    ['ORIGINATOR_CANCEL', 'cancelled'],
  ] as const)('A %s is not retried: %s', (cause, outcome) => {
    const h = new RequestHarness(settings({ retry: { maxRetries: 5, retryIntervalSeconds: 30 } }));
    h.send(due);
    expect(h.send(aFailed(cause))).toEqual({
      to: outcome,
      actions: [{ type: 'settle_leg', leg: 'A' }, { type: 'report', status: outcome }],
      ignored: false,
    });
  });

  it('an extension the directory lacks (SUBSCRIBER_ABSENT from user/) fails without a retry; an unregistered one is retried', () => {
    const extension = settings({ destination: null, legA: 'extension', retry: { maxRetries: 5, retryIntervalSeconds: 30 } });
    expect(new RequestHarness(extension).play([due, aFailed('SUBSCRIBER_ABSENT')]).at(-1)).toBe('failed');
    expect(new RequestHarness(extension).play([due, aFailed('USER_NOT_REGISTERED')]).at(-1)).toBe('retry_scheduled');
    expect(new RequestHarness(settings({ retry: { maxRetries: 5, retryIntervalSeconds: 30 } })).play([due, aFailed('SUBSCRIBER_ABSENT')]).at(-1)).toBe('retry_scheduled');
  });

  it('a network failure is retried', () => {
    const h = new RequestHarness();
    expect(h.play([due, aFailed('NORMAL_TEMPORARY_FAILURE')]).at(-1)).toBe('retry_scheduled');
  });

  it('a due request may be refused before dialing (A6, A5)', () => {
    const h = new RequestHarness();
    expect(h.send({ type: 'refused', reason: 'tariff' })).toEqual({ to: 'failed', actions: [{ type: 'report', status: 'failed' }], ignored: false });
  });
});

describe('decide: leg B fails while A listens (C3)', () => {
  it('B busy: busy prompt, then hang up A', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    expect(h.send(bFailed('USER_BUSY'))).toEqual({
      to: 'busy',
      actions: [
        { type: 'settle_leg', leg: 'B' },
        { type: 'play_prompt', leg: 'A', name: 'ivr/busy' },
        { type: 'hangup_a', cause: 'NORMAL_CLEARING' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'report', status: 'busy' },
      ],
      ignored: false,
    });
  });

  it('B busy: busy prompt, then ask again (C4)', () => {
    const h = new RequestHarness(settings({ ivr: { busyIvr: 'ivr/busy', failedIvr: null, askAgainOnFailure: true } }));
    h.play([due, aAnswered]);
    expect(h.send(bFailed('USER_BUSY'))).toEqual({
      to: 'a_answered',
      actions: [{ type: 'settle_leg', leg: 'B' }, { type: 'play_prompt', leg: 'A', name: 'ivr/busy' }, { type: 'ask_destination' }],
      ignored: false,
    });
    expect(h.play([{ type: 'destination_chosen', number: OTHER_DESTINATION }, bAnswered, hungUp('A')])).toEqual([
      'a_answered',
      'dialing_b',
      'bridged',
      'completed',
    ]);
  });

  it('B unallocated: failed prompt, then hang up', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    const decision = h.send(bFailed('UNALLOCATED_NUMBER'));
    expect(decision.to).toBe('failed');
    expect(decision.actions).toContainEqual({ type: 'play_prompt', leg: 'A', name: 'ivr/failed' });
  });

  it('B not answering: failed prompt, request no_answer', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    const decision = h.send(bFailed('NO_ANSWER'));
    expect(decision.to).toBe('no_answer');
    expect(decision.actions).toContainEqual({ type: 'play_prompt', leg: 'A', name: 'ivr/failed' });
  });

  it('no prompt configured: straight to the hangup', () => {
    const h = new RequestHarness(settings({ ivr: { busyIvr: null, failedIvr: null, askAgainOnFailure: false } }));
    h.play([due, aAnswered]);
    expect(h.send(bFailed('USER_BUSY')).actions.map((a) => a.type)).toEqual(['settle_leg', 'hangup_a', 'settle_leg', 'report']);
  });

  it('after an earlier talk the request still ends completed', () => {
    const h = new RequestHarness(settings({ askAgainAfterTalk: true }));
    h.play([due, aAnswered, bAnswered, hungUp('B'), { type: 'destination_chosen', number: OTHER_DESTINATION }]);
    expect(h.send(bFailed('USER_BUSY')).to).toBe('completed');
  });

  it('A hangs up while B rings: B is cancelled, the request is cancelled', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    expect(h.send(hungUp('A'))).toEqual({
      to: 'cancelled',
      actions: [
        { type: 'hangup_b', cause: 'ORIGINATOR_CANCEL' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'settle_leg', leg: 'B' },
        { type: 'report', status: 'cancelled' },
      ],
      ignored: false,
    });
  });

  it('B refused before it is dialed (funds, tariff): A is told why, then hung up', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    expect(h.send({ type: 'b_refused', reason: 'insufficient_funds' })).toEqual({
      to: 'failed',
      actions: [
        { type: 'settle_leg', leg: 'B' },
        { type: 'play_refusal', reason: 'insufficient_funds' },
        { type: 'hangup_a', cause: 'NORMAL_CLEARING' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'report', status: 'failed' },
      ],
      ignored: false,
    });
  });

  it('B refused: asked again when failures go back to the IVR (C4), completed after an earlier talk', () => {
    const h = new RequestHarness(settings({ destination: null, askAgainAfterTalk: true, ivr: { busyIvr: null, failedIvr: null, askAgainOnFailure: true } }));
    h.play([due, aAnswered, { type: 'destination_chosen', number: DESTINATION }]);
    expect(h.send({ type: 'b_refused', reason: 'destination_not_in_tariff' })).toEqual({
      to: 'a_answered',
      actions: [{ type: 'settle_leg', leg: 'B' }, { type: 'play_refusal', reason: 'destination_not_in_tariff' }, { type: 'ask_destination' }],
      ignored: false,
    });
    const once = new RequestHarness(settings({ askAgainAfterTalk: true }));
    once.play([due, aAnswered, bAnswered, hungUp('B'), { type: 'destination_chosen', number: OTHER_DESTINATION }]);
    expect(once.send({ type: 'b_refused', reason: 'insufficient_funds' }).to).toBe('completed');
  });

  it('B cancelled by someone else: no prompt', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered]);
    const decision = h.send(bFailed('ORIGINATOR_CANCEL'));
    expect(decision.to).toBe('cancelled');
    expect(decision.actions.map((a) => a.type)).not.toContain('play_prompt');
  });
});

describe('decide: the IVR on leg A', () => {
  it('A hangs up in the IVR before any talk: cancelled', () => {
    const h = new RequestHarness(settings({ destination: null }));
    expect(h.play([due, aAnswered, hungUp('A')]).at(-1)).toBe('cancelled');
  });

  it('the IVR gives up (PIN lockout, no destination): failed, A hung up', () => {
    const h = new RequestHarness(settings({ destination: null }));
    h.play([due, aAnswered]);
    expect(h.send({ type: 'ivr_gave_up', reason: 'pin_lockout' })).toEqual({
      to: 'failed',
      actions: [{ type: 'hangup_a', cause: 'NORMAL_CLEARING' }, { type: 'settle_leg', leg: 'A' }, { type: 'report', status: 'failed' }],
      ignored: false,
    });
  });
});

describe('decide: simultaneous (C5)', () => {
  const simultaneous = () => new RequestHarness(settings({ mode: 'simultaneous' }));

  it('dials both at once and bridges when both answered, B first', () => {
    const h = simultaneous();
    expect(h.send(due)).toEqual({ to: 'dialing_both', actions: [{ type: 'dial_a' }, { type: 'dial_b', number: DESTINATION }], ignored: false });
    expect(h.send(bAnswered)).toEqual({ to: 'b_answered', actions: [], ignored: false });
    expect(h.send(aAnswered)).toEqual({ to: 'bridged', actions: [{ type: 'bridge' }], ignored: false });
    expect(h.send(hungUp('B')).to).toBe('completed');
  });

  it('A first: waits in dialing_b for B', () => {
    const h = simultaneous();
    expect(h.play([due, aAnswered, bAnswered])).toEqual(['queued', 'dialing_both', 'dialing_b', 'bridged']);
    expect(h.history[1]?.decision.actions).toEqual([]);
  });

  it('A busy: B is cancelled and both are dialed again later', () => {
    const h = simultaneous();
    h.send(due);
    expect(h.send(aFailed('USER_BUSY'))).toEqual({
      to: 'retry_scheduled',
      actions: [
        { type: 'hangup_b', cause: 'ORIGINATOR_CANCEL' },
        { type: 'settle_leg', leg: 'B' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'schedule_retry', at: T0 + 60_000 },
      ],
      ignored: false,
    });
    expect(h.send(due).to).toBe('dialing_both');
  });

  it('A fails after B answered: B hears the Failed IVR and is hung up normally', () => {
    const h = simultaneous();
    h.play([due, bAnswered]);
    expect(h.send(aFailed('NO_ANSWER')).actions.slice(0, 3)).toEqual([
      { type: 'play_prompt', leg: 'B', name: 'ivr/failed' },
      { type: 'hangup_b', cause: 'NORMAL_CLEARING' },
      { type: 'settle_leg', leg: 'B' },
    ]);
    const silent = new RequestHarness(settings({ mode: 'simultaneous', ivr: { busyIvr: 'ivr/busy', failedIvr: null, askAgainOnFailure: false } }));
    silent.play([due, bAnswered]);
    expect(silent.send(aFailed('USER_BUSY')).actions.map((a) => a.type)).toEqual(['hangup_b', 'settle_leg', 'settle_leg', 'schedule_retry']);
  });

  it('a B still ringing when A fails hears nothing, nor an answered B when the request is cancelled', () => {
    const ringing = simultaneous();
    ringing.send(due);
    expect(ringing.send(aFailed('USER_BUSY')).actions.map((a) => a.type)).not.toContain('play_prompt');
    const waiting = simultaneous();
    waiting.play([due, bAnswered]);
    expect(waiting.send({ type: 'cancelled' }).actions.map((a) => a.type)).not.toContain('play_prompt');
  });

  it('B busy while A rings: A is cancelled and the request ends busy (B is not retried)', () => {
    const h = simultaneous();
    h.send(due);
    expect(h.send(bFailed('USER_BUSY'))).toEqual({
      to: 'busy',
      actions: [
        { type: 'hangup_a', cause: 'ORIGINATOR_CANCEL' },
        { type: 'settle_leg', leg: 'B' },
        { type: 'settle_leg', leg: 'A' },
        { type: 'report', status: 'busy' },
      ],
      ignored: false,
    });
  });

  it('B hangs up while waiting for A: A is cancelled', () => {
    const h = simultaneous();
    h.play([due, bAnswered]);
    expect(h.send(hungUp('B')).actions).toEqual([
      { type: 'hangup_a', cause: 'ORIGINATOR_CANCEL' },
      { type: 'settle_leg', leg: 'B' },
      { type: 'settle_leg', leg: 'A' },
      { type: 'report', status: 'cancelled' },
    ]);
  });

  it('without a destination it falls back to source first', () => {
    const h = new RequestHarness(settings({ mode: 'simultaneous', destination: null }));
    expect(h.send(due)).toEqual({ to: 'dialing_a', actions: [{ type: 'dial_a' }], ignored: false });
  });
});

describe('decide: cancel (W2)', () => {
  it('while queued: nothing to hang up', () => {
    const h = new RequestHarness();
    expect(h.send({ type: 'cancelled' })).toEqual({ to: 'cancelled', actions: [{ type: 'report', status: 'cancelled' }], ignored: false });
  });

  it('while retry_scheduled: nothing to hang up', () => {
    const h = new RequestHarness();
    h.play([due, aFailed('USER_BUSY')]);
    expect(h.send({ type: 'cancelled' }).actions).toEqual([{ type: 'report', status: 'cancelled' }]);
  });

  it.each([
    [[due], ['hangup_a:ORIGINATOR_CANCEL']],
    [[due, aAnswered], ['hangup_b:ORIGINATOR_CANCEL', 'hangup_a:NORMAL_CLEARING']],
    [[due, aAnswered, bAnswered], ['hangup_a:NORMAL_CLEARING', 'hangup_b:NORMAL_CLEARING']],
  ] as const)('after %j hangs up %j', (events, hangups) => {
    const h = new RequestHarness();
    h.play(events);
    const decision = h.send({ type: 'cancelled' });
    expect(decision.to).toBe('cancelled');
    expect(decision.actions.flatMap((a) => (a.type === 'hangup_a' || a.type === 'hangup_b' ? [`${a.type}:${a.cause}`] : []))).toEqual(hangups);
  });

  it('a finished request cannot be cancelled any more', () => {
    for (const state of FINAL_STATES) {
      expect(decide(state, { type: 'cancelled' }, new RequestHarness().context())).toEqual({ to: state, actions: [], ignored: true });
    }
  });
});

describe('decide: events that mean nothing here are ignored', () => {
  it.each([
    ['queued', aAnswered],
    ['dialing_a', due],
    ['dialing_a', bAnswered],
    ['dialing_a', hungUp('A')],
    ['a_answered', hungUp('B')],
    ['a_answered', bFailed('USER_BUSY')],
    ['a_answered', { type: 'b_refused', reason: 'insufficient_funds' }],
    ['dialing_both', { type: 'b_refused', reason: 'insufficient_funds' }],
    ['dialing_b', hungUp('B')],
    ['dialing_b', aFailed('USER_BUSY')],
    ['b_answered', hungUp('A')],
    ['bridged', { type: 'destination_chosen', number: DESTINATION }],
    ['completed', hungUp('A')],
  ] as Array<[RequestState, RequestEvent]>)('%s ignores %j', (state, event) => {
    expect(decide(state, event, new RequestHarness().context())).toEqual({ to: state, actions: [], ignored: true });
  });
});

describe('IllegalTransition', () => {
  it('is what the engine gets for a move outside the table', () => {
    expect(() => assertTransition('queued', 'bridged')).toThrow(IllegalTransition);
    expect(() => assertTransition('bridged', 'retry_scheduled')).toThrow(/bridged -> retry_scheduled/);
    expect(() => assertTransition('cancelled', 'queued')).toThrow(expect.objectContaining({ from: 'cancelled', to: 'queued' }));
  });
});

describe('decide: D5 fax reception', () => {
  const fax: RequestEvent = { type: 'fax_requested', path: '/fax/r.tif', prompt: 'callback/fax_receiving' };

  it('hands B to fax receive, tells A and releases it, keeping B (billed) until it ends', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered]);
    expect(h.send(fax)).toEqual({
      to: 'receiving_fax',
      actions: [
        { type: 'receive_fax', path: '/fax/r.tif' },
        { type: 'play_prompt', leg: 'A', name: 'callback/fax_receiving' },
        { type: 'hangup_a', cause: 'NORMAL_CLEARING' },
        { type: 'settle_leg', leg: 'A' },
      ],
      ignored: false,
    });
  });

  it('A leaving during the fax does not end B; B ending completes the request and settles B only', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered, fax]);
    expect(h.send(hungUp('A'))).toEqual({ to: 'receiving_fax', actions: [], ignored: true });
    expect(h.send(hungUp('B'))).toEqual({
      to: 'completed',
      actions: [
        { type: 'settle_leg', leg: 'B' },
        { type: 'report', status: 'completed' },
      ],
      ignored: false,
    });
  });

  it('the C4 loop does not take a fax back to the IVR (A is gone)', () => {
    const h = new RequestHarness(settings({ askAgainAfterTalk: true }));
    h.play([due, aAnswered, bAnswered, fax]);
    expect(h.send(hungUp('B')).to).toBe('completed');
  });

  it('a cancel during the fax hangs B up and settles it', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered, fax]);
    expect(h.send({ type: 'cancelled' }).actions).toEqual([
      { type: 'hangup_b', cause: 'NORMAL_CLEARING' },
      { type: 'settle_leg', leg: 'B' },
      { type: 'report', status: 'cancelled' },
    ]);
  });

  it.each(['dialing_a', 'a_answered', 'dialing_b', 'completed'] as RequestState[])('%s ignores a fax request (only a talk can become a fax)', (state) => {
    expect(decide(state, fax, new RequestHarness().context())).toEqual({ to: state, actions: [], ignored: true });
  });
});

describe('decide: D6 three-party conference', () => {
  const started: RequestEvent = { type: 'conference_started' };

  it('a talk becomes a conference without touching A or B', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered]);
    expect(h.send(started)).toEqual({ to: 'conference', actions: [], ignored: false });
  });

  it('A or B leaving the conference ends nothing (the others talk on); its end settles both, once', () => {
    const h = new RequestHarness(settings({ askAgainAfterTalk: true }));
    h.play([due, aAnswered, bAnswered, started]);
    expect(h.send(hungUp('A')).ignored).toBe(true);
    expect(h.send(hungUp('B')).ignored).toBe(true);
    expect(h.send({ type: 'conference_ended' })).toEqual({
      to: 'completed',
      actions: [
        { type: 'settle_leg', leg: 'A' },
        { type: 'settle_leg', leg: 'B' },
        { type: 'report', status: 'completed' },
      ],
      ignored: false,
    });
  });

  it('a cancel ends the conference with A and B', () => {
    const h = new RequestHarness();
    h.play([due, aAnswered, bAnswered, started]);
    expect(h.send({ type: 'cancelled' }).actions.map((a) => a.type)).toEqual(['hangup_a', 'hangup_b', 'settle_leg', 'settle_leg', 'report']);
  });

  it.each(['dialing_b', 'a_answered', 'receiving_fax'] as RequestState[])('%s ignores a conference start', (state) => {
    expect(decide(state, started, new RequestHarness().context()).ignored).toBe(true);
  });
});

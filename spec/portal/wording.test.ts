import { LEG_STATES } from '../../lib/callback/state/leg-state';
import { LIVE_STATUSES } from '../../lib/callback/state/live-status';
import { REQUEST_STATES } from '../../lib/callback/state/request-state';
import { HANGUP_CAUSES } from '../../lib/esl/hangup-causes';
import {
  causeWords,
  LEG_STATE_WORDS,
  legStateWords,
  liveLegWords,
  LIVE_STATUS_WORDS,
  paymentMethodWords,
  REFUSAL_WORDS,
  requestStateWords,
  UNKNOWN_CAUSE_WORDS,
} from '../../lib/http/portal/wording';

/** What a subscriber must never read: an engine state (dialing_a) or a FreeSWITCH cause (NO_ANSWER). */
const RAW = /[a-z]+_[a-z]+|[A-Z]{2,}_[A-Z]+|^[a-z]/;

describe('portal wording: plain words for states and causes', () => {
  it.each(REQUEST_STATES.map((state) => [state]))('request state %s has words of its own', (state) => {
    const words = requestStateWords(state);
    expect(words).not.toMatch(RAW);
    expect(words).not.toBe(state);
  });

  it.each(LEG_STATES.map((state) => [state]))('leg state %s has words of its own', (state) => {
    expect(legStateWords(state)).not.toMatch(RAW);
  });

  it.each(LIVE_STATUSES.map((status) => [status]))('live leg status %s has words of its own', (status) => {
    expect(liveLegWords(status, true)).not.toMatch(RAW);
    expect(liveLegWords(status, false)).not.toMatch(RAW);
  });

  it.each(HANGUP_CAUSES.map((cause) => [cause.name]))('hangup cause %s has words of its own', (cause) => {
    const words = causeWords(cause);
    expect(words).not.toMatch(RAW);
    expect(words).not.toBe(UNKNOWN_CAUSE_WORDS);
  });

  it('words the common causes as a subscriber says them', () => {
    expect(causeWords('NORMAL_CLEARING')).toBe('Call ended');
    expect(causeWords('USER_BUSY')).toBe('Busy');
    expect(causeWords('NO_ANSWER')).toBe('No answer');
    expect(causeWords('ORIGINATOR_CANCEL')).toBe('Cancelled');
    expect(causeWords('CANCELLED')).toBe('Cancelled');
    expect(causeWords('CONTROLLER_LOST')).not.toMatch(RAW);
    for (const reason of Object.keys(REFUSAL_WORDS)) expect(causeWords(reason)).not.toMatch(RAW);
  });

  it('a cancelled leg never reads "completed": not from its state, nor from the live stream that folds it into completed', () => {
    expect(LEG_STATE_WORDS.cancelled).toBe('Cancelled');
    expect(liveLegWords('completed', false)).toBe('Cancelled');
    expect(liveLegWords('completed', true)).toBe('Call ended');
    expect(Object.values(LIVE_STATUS_WORDS).concat(Object.values(LEG_STATE_WORDS)).some((w) => /complete/i.test(w))).toBe(false);
    expect(requestStateWords('cancelled')).toBe('Cancelled');
  });

  it('shows neither unknown states nor unknown causes by their raw names', () => {
    expect(causeWords('SOME_FUTURE_CAUSE')).toBe(UNKNOWN_CAUSE_WORDS);
    expect(requestStateWords('some_new_state')).not.toMatch(RAW);
    expect(causeWords(null)).toBe('');
  });

  it("words a payment's free-text method", () => {
    expect(paymentMethodWords('bank_transfer')).toBe('Bank transfer');
    expect(paymentMethodWords('seed')).toBe('Seed');
  });
});

import { ivrOutcomeForLegB, type LegBFailureSettings } from '../../lib/callback/policy/ivr-outcome';
import { HANGUP_CAUSES } from '../../lib/esl/hangup-causes';

const prompts: LegBFailureSettings = { busyIvr: 'ivr/busy', failedIvr: 'ivr/failed', askAgainOnFailure: false };

describe('prompt on leg A when leg B fails', () => {
  it.each([
    ['USER_BUSY', 'busy', 'ivr/busy'],
    ['UNALLOCATED_NUMBER', 'failed', 'ivr/failed'],
    ['INVALID_NUMBER_FORMAT', 'failed', 'ivr/failed'],
    ['NO_ROUTE_DESTINATION', 'failed', 'ivr/failed'],
    ['CALL_REJECTED', 'failed', 'ivr/failed'],
    ['NORMAL_TEMPORARY_FAILURE', 'failed', 'ivr/failed'],
    ['INVALID_GATEWAY', 'failed', 'ivr/failed'],
    ['NO_ANSWER', 'no_answer', 'ivr/failed'],
    ['NO_USER_RESPONSE', 'no_answer', 'ivr/failed'],
    ['ALLOTTED_TIMEOUT', 'no_answer', 'ivr/failed'],
    ['ORIGINATOR_CANCEL', 'cancelled', null],
    ['LOSE_RACE', 'cancelled', null],
  ] as const)('%s: B %s, prompt %s', (cause, legB, prompt) => {
    expect(ivrOutcomeForLegB(cause, prompts)).toEqual({ legB, prompt, then: 'hang_up' });
  });

  it('plays nothing when the prompt is not configured', () => {
    const none: LegBFailureSettings = { busyIvr: null, failedIvr: null, askAgainOnFailure: false };
    for (const { name } of HANGUP_CAUSES) expect(ivrOutcomeForLegB(name, none).prompt).toBeNull();
    expect(ivrOutcomeForLegB('USER_BUSY', { ...prompts, busyIvr: '' }).prompt).toBeNull();
    expect(ivrOutcomeForLegB('USER_BUSY', { ...prompts, failedIvr: null }).prompt).toBe('ivr/busy');
    expect(ivrOutcomeForLegB('UNALLOCATED_NUMBER', { ...prompts, busyIvr: null }).prompt).toBe('ivr/failed');
  });

  it('asks again (C4) or hangs up, for every cause, as configured', () => {
    for (const { name } of HANGUP_CAUSES) {
      expect(ivrOutcomeForLegB(name, { ...prompts, askAgainOnFailure: true }).then).toBe('ask_again');
      expect(ivrOutcomeForLegB(name, prompts).then).toBe('hang_up');
    }
  });

  it('only ever plays one of the two configured prompts', () => {
    for (const { name } of HANGUP_CAUSES) expect([null, 'ivr/busy', 'ivr/failed']).toContain(ivrOutcomeForLegB(name, prompts).prompt);
  });
});

import { HANGUP_CAUSES } from '../../lib/esl/hangup-causes';
import { DEFAULT_FAILOVER_CAUSES, SUBSCRIBER_CAUSES, tryVerdict } from '../../lib/routing/route-causes';

describe('tryVerdict', () => {
  const failover = new Set(DEFAULT_FAILOVER_CAUSES);

  it.each(['NORMAL_TEMPORARY_FAILURE', 'NO_ROUTE_DESTINATION', 'RECOVERY_ON_TIMER_EXPIRE', 'GATEWAY_DOWN', 'NETWORK_OUT_OF_ORDER', 'SWITCH_CONGESTION', 'DESTINATION_OUT_OF_ORDER', 'INVALID_GATEWAY'] as const)(
    '%s (the carrier could not carry it) tries the next carrier',
    (cause) => expect(tryVerdict(cause, failover)).toBe('next_carrier'),
  );

  it.each(['USER_BUSY', 'NO_ANSWER', 'NO_USER_RESPONSE', 'CALL_REJECTED', 'UNALLOCATED_NUMBER', 'ORIGINATOR_CANCEL', 'NORMAL_CLEARING'] as const)(
    '%s (the called party\'s answer) ends the attempt',
    (cause) => expect(tryVerdict(cause, failover)).toBe('stop'),
  );

  it('every 503-class cause fails over by default', () => {
    const serviceUnavailable = HANGUP_CAUSES.filter((cause) => cause.sip === 503).map((cause) => cause.name);
    expect(serviceUnavailable.filter((cause) => tryVerdict(cause, failover) === 'stop')).toEqual([]);
  });

  it('the default list and the subscriber causes never overlap', () => {
    expect(DEFAULT_FAILOVER_CAUSES.filter((cause) => SUBSCRIBER_CAUSES.has(cause))).toEqual([]);
  });

  it('follows the configured list only', () => {
    expect(tryVerdict('GATEWAY_DOWN', new Set())).toBe('stop');
    expect(tryVerdict('MEDIA_TIMEOUT', new Set(['MEDIA_TIMEOUT']))).toBe('next_carrier');
  });
});

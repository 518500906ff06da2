import type { CallbackTrigger } from '../../store/callback-requests';

/**
 * `activeForUsers` (O3, #18 item 1) switches callback off for subscribers, whatever way they ask:
 * API, portal, SMS, access number, a scheduled or redialled callback. The operator's own CLI
 * orders (tests, manual calls) still go through.
 */
export function gatedByActiveForUsers(trigger: CallbackTrigger): boolean {
  return trigger !== 'cli';
}

import { EslInvalidArgument } from './errors';

const EVENT_NAME = /^[A-Z][A-Z0-9_]*$/;
const SUBCLASS = /^[A-Za-z0-9_.:-]+$/;

/**
 * `event plain NAMES… [CUSTOM subclass…]`. CUSTOM goes last because FreeSWITCH reads every word
 * after it as a subclass, silently dropping the names that follow (captures README, surprise 9).
 */
export function subscriptionCommand(events: readonly string[], customSubclasses: readonly string[] = [], format: 'plain' | 'json' = 'plain'): string {
  const names = [...new Set(events)];
  for (const name of names) {
    if (!EVENT_NAME.test(name) || name === 'CUSTOM') throw new EslInvalidArgument('events', `bad event name ${JSON.stringify(name)}`);
  }
  for (const subclass of customSubclasses) {
    if (!SUBCLASS.test(subclass)) throw new EslInvalidArgument('customSubclasses', `bad subclass ${JSON.stringify(subclass)}`);
  }
  if (names.length === 0 && customSubclasses.length === 0) throw new EslInvalidArgument('events', 'nothing to subscribe to');
  const custom = customSubclasses.length > 0 ? ['CUSTOM', ...customSubclasses] : [];
  return ['event', format, ...names, ...custom].join(' ');
}

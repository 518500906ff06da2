import type { CallbackSettings } from '../config/callback-schema';
import { freeswitchNodeNames } from '../config/freeswitch-schema';
import type { Settings } from '../config/schema';
import type { RouteChoice } from '../routing/route-types';

/**
 * The system values the overrides sit on: the callback settings, the routing policy and
 * loss-call rule (`routing.*`), and the names of the FreeSWITCH nodes, the only values a
 * `callbackServer` override may name besides `any`.
 */
export interface SystemSettings {
  readonly callback: CallbackSettings;
  readonly routing: RouteChoice;
  readonly nodes: readonly string[];
}

export function systemSettingsOf(settings: Pick<Settings, 'callback' | 'routing' | 'freeswitch'>): SystemSettings {
  const { policy, allowLossCalls } = settings.routing;
  return { callback: settings.callback, routing: { policy, allowLossCalls }, nodes: freeswitchNodeNames(settings.freeswitch) };
}

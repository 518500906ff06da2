import type { Channel } from '../channel';
import type { SwitchCore } from '../core';
import type { Session } from '../session';

export interface AppContext {
  readonly core: SwitchCore;
  readonly session: Session;
  readonly channel: Channel;
  /** The application data, as sent (FreeSWITCH would expand variables first; the simulator does not). */
  readonly arg: string;
  readonly appUuid: string;
}

/** A dialplan application; `run` returns when the application would return in FreeSWITCH. */
export interface Application {
  readonly names: readonly string[];
  run(ctx: AppContext): Promise<void>;
}

/** `var=value` → [var, value]; `var` alone → [var, '']. */
export function splitAssignment(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg.trim(), ''] : [arg.slice(0, eq).trim(), arg.slice(eq + 1)];
}

import type { EslHeaders } from './wire';
import { sharedName, sharedValue } from './wire/own-string';

/**
 * A call's channel variables as of the latest event that carried them, kept for the call's whole
 * life at little cost: the connect reply's headers once (a compact copy), and for later events
 * only the variables whose value changed since, instead of each event's ~150 headers whole.
 */
export class ChannelVariables {
  readonly base: EslHeaders;
  /** `variable_*` name → its latest value where it differs from `base`; null: no longer set. */
  private changed: Map<string, string | null> | undefined;

  constructor(connectReply: EslHeaders) {
    this.base = connectReply.compact();
  }

  /** A channel variable (`variable_<name>`), as the latest event carrying variables had it. */
  get(name: string): string | undefined {
    const header = `variable_${name}`;
    const changed = this.changed?.get(header);
    if (changed !== undefined) return changed ?? undefined;
    return this.base.get(header);
  }

  /** Takes the variables of a later event of this channel; ignored when it carries none. */
  update(headers: EslHeaders): void {
    if (!headers.someNameStartsWith('variable_')) return;
    const latest = new Map<string, string>();
    headers.forEach((name, value) => {
      if (name.startsWith('variable_') && !latest.has(name)) latest.set(name, value);
    });
    const changed = new Map<string, string | null>();
    this.base.forEach((name, value) => {
      if (!name.startsWith('variable_') || changed.has(name)) return;
      const now = latest.get(name);
      if (now === undefined) changed.set(name, null);
      else if (now !== value) changed.set(name, sharedValue(name, now));
      latest.delete(name);
    });
    for (const [name, value] of latest) {
      const shared = sharedName(name);
      changed.set(shared, sharedValue(shared, value));
    }
    this.changed = changed.size > 0 ? changed : undefined;
  }
}

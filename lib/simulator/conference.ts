import { randomUUID } from 'node:crypto';
import type { Channel } from './channel';
import type { SwitchCore } from './core';
import type { ConferenceAction } from './event-templates';
import type { HeaderValues } from './event-factory';
import type { Session } from './session';

export interface ConferenceMember {
  readonly id: number;
  readonly session: Session;
  kicked: boolean;
}

export interface Conference {
  readonly name: string;
  readonly profile: string;
  readonly uuid: string;
  /** In the order they joined. */
  readonly members: ConferenceMember[];
  /** Kicked members whose conference application has not returned yet. */
  readonly departing: Set<ConferenceMember>;
  nextId: number;
}

/**
 * Conferences, as far as membership goes: no mixing, floor or talk detection. Enough for
 * `conference` joins, bgdial, kicks and their conference::maintenance events (capture 10).
 */
export class ConferenceRegistry {
  private readonly rooms = new Map<string, Conference>();

  get(name: string): Conference | undefined {
    return this.rooms.get(name);
  }

  list(): Conference[] {
    return [...this.rooms.values()];
  }

  join(core: SwitchCore, name: string, profile: string, session: Session): ConferenceMember {
    let room = this.rooms.get(name);
    if (!room) {
      room = { name, profile, uuid: randomUUID(), members: [], departing: new Set(), nextId: 1 };
      this.rooms.set(name, room);
      announce(core, room, 'conference-create');
    }
    const member: ConferenceMember = { id: room.nextId++, session, kicked: false };
    room.members.push(member);
    fireMember(core, room, 'add-member', member);
    return member;
  }

  /**
   * `conference <name> kick <id|all>`, newest member first: every kick-member (the size as it was),
   * then every del-member (the size counting down); the kicked members' applications return after
   * that, and the room is destroyed once they all have (capture 10).
   */
  kick(core: SwitchCore, name: string, target: string): number[] {
    const room = this.rooms.get(name);
    if (!room) return [];
    const kicked = [...room.members].reverse().filter((m) => target === 'all' || String(m.id) === target);
    for (const member of kicked) fireMember(core, room, 'kick-member', member);
    for (const member of kicked) {
      member.kicked = true;
      room.departing.add(member);
      this.remove(core, room, member);
    }
    // Their sessions move on oldest first: the bgdial legs ended B before C (capture 10).
    for (const member of [...kicked].reverse()) member.session.poke();
    return kicked.map((m) => m.id);
  }

  /** The member's conference application returns: it leaves the room if it is still in it. */
  leave(core: SwitchCore, name: string, member: ConferenceMember): void {
    const room = this.rooms.get(name);
    if (!room) return;
    room.departing.delete(member);
    if (room.members.includes(member)) this.remove(core, room, member);
    if (room.members.length > 0 || room.departing.size > 0) return;
    this.rooms.delete(name);
    // The conference thread ends after the last member's session has moved on (capture 10: the
    // kicked bgdial legs' CHANNEL_HANGUP_COMPLETE come before conference-destroy).
    core.after(0, () => announce(core, room, 'conference-destroy'));
  }

  /** `bgdial-result`: the job's outcome, before the dialled member joins (capture 10). */
  bgdialResult(core: SwitchCore, name: string, values: HeaderValues): void {
    const room = this.rooms.get(name);
    if (room) announce(core, room, 'bgdial-result', values);
  }

  private remove(core: SwitchCore, room: Conference, member: ConferenceMember): void {
    room.members.splice(room.members.indexOf(member), 1);
    fireMember(core, room, 'del-member', member);
  }
}

function roomValues(core: SwitchCore, room: Conference): HeaderValues {
  return {
    'Conference-Name': room.name,
    'Conference-Domain': core.config.identity.ipv4,
    'Conference-Size': room.members.length,
    'Conference-Ghosts': 0,
    'Conference-Profile-Name': room.profile,
    'Conference-Unique-ID': room.uuid,
  };
}

function announce(core: SwitchCore, room: Conference, action: ConferenceAction, values: HeaderValues = {}): void {
  core.fire(core.factory.conference(action, undefined, { ...roomValues(core, room), ...values }));
}

function fireMember(core: SwitchCore, room: Conference, action: ConferenceAction, member: ConferenceMember): void {
  const channel: Channel = member.session.channel;
  core.fire(
    core.factory.conference(action, channel, {
      ...roomValues(core, room),
      Floor: 'false',
      Video: 'false',
      Hear: 'true',
      See: 'true',
      Speak: 'true',
      Talking: 'false',
      'Mute-Detect': 'false',
      Hold: 'false',
      'Member-ID': member.id,
      'Member-Type': 'member',
      'Member-Ghost': 'false',
      'Energy-Level': 100,
      'Current-Energy': 0,
    }),
  );
}

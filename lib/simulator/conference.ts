import { randomUUID } from 'node:crypto';
import type { Channel } from './channel';
import type { SwitchCore } from './core';
import type { ConferenceAction } from './event-templates';
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
  readonly members: ConferenceMember[];
  nextId: number;
}

/**
 * Conferences, as far as membership goes: no mixing, floor or talk detection. Enough for
 * `conference` joins and kicks and their conference::maintenance events (capture 10).
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
      room = { name, profile, uuid: randomUUID(), members: [], nextId: 1 };
      this.rooms.set(name, room);
      fireConference(core, room, 'conference-create', undefined);
    }
    const member: ConferenceMember = { id: room.nextId++, session, kicked: false };
    room.members.push(member);
    fireConference(core, room, 'add-member', member);
    return member;
  }

  /** `conference <name> kick <id|all>`: the kicked members' applications return. */
  kick(core: SwitchCore, name: string, target: string): number[] {
    const room = this.rooms.get(name);
    if (!room) return [];
    const kicked = room.members.filter((m) => target === 'all' || String(m.id) === target);
    for (const member of kicked) {
      member.kicked = true;
      fireConference(core, room, 'kick-member', member);
      member.session.poke();
    }
    return kicked.map((m) => m.id);
  }

  leave(core: SwitchCore, name: string, member: ConferenceMember): void {
    const room = this.rooms.get(name);
    if (!room) return;
    const index = room.members.indexOf(member);
    if (index < 0) return;
    room.members.splice(index, 1);
    fireConference(core, room, 'del-member', member);
    if (room.members.length === 0) {
      this.rooms.delete(name);
      fireConference(core, room, 'conference-destroy', undefined);
    }
  }
}

function fireConference(core: SwitchCore, room: Conference, action: ConferenceAction, member: ConferenceMember | undefined): void {
  const channel: Channel | undefined = member?.session.channel;
  const values: Record<string, string | number> = {
    'Conference-Name': room.name,
    'Conference-Domain': core.config.identity.ipv4,
    'Conference-Size': room.members.length,
    'Conference-Ghosts': 0,
    'Conference-Profile-Name': room.profile,
    'Conference-Unique-ID': room.uuid,
  };
  if (member) {
    Object.assign(values, {
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
    });
  }
  core.fire(core.factory.conference(action, channel, values));
}

import type { Application } from './types';

/**
 * `conference name[@profile][+flags]`: answers, joins (conference-create, add-member), and
 * returns when kicked or when the leg leaves (del-member, conference-destroy when empty).
 */
export const conference: Application = {
  names: ['conference'],
  async run({ core, session, channel, arg }) {
    const [room = '', profileAndFlags = 'default'] = arg.trim().split(/\s+/)[0]?.split('@') ?? [];
    if (room === '') return;
    const profile = profileAndFlags.split('+')[0] || 'default';
    core.answer(channel);
    const member = core.conferences.join(core, room, profile, session);
    await session.serveMessages(() => member.kicked);
    core.conferences.leave(core, room, member);
  },
};

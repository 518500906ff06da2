import type { WakeReason } from '../session';
import type { AppContext, Application } from './types';

/** The park loop: CHANNEL_PARK, queued messages run one by one, CHANNEL_UNPARK when it ends. */
export async function parkLoop(ctx: AppContext, options: { events: boolean; until?: () => boolean }): Promise<WakeReason> {
  const { core, session, channel } = ctx;
  if (options.events) core.emit('CHANNEL_PARK', channel);
  const reason = await session.serveMessages(options.until);
  if (options.events) core.emit('CHANNEL_UNPARK', channel);
  return reason;
}

export const park: Application = {
  names: ['park'],
  async run(ctx) {
    await parkLoop(ctx, { events: true });
  },
};

import type { Application } from './types';

/** `send_dtmf digits[@duration]`: the digits go to the phone on this leg. */
export const sendDtmf: Application = {
  names: ['send_dtmf'],
  async run({ core, channel, arg }) {
    core.sendDigitsToPhone(channel, arg.split('@')[0] ?? '');
  },
};

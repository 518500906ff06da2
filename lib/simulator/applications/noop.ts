import type { Application } from './types';

/** Applications that change nothing the simulator models. */
export const noop: Application = {
  names: ['log', 'info', 'start_dtmf', 'stop_dtmf'],
  async run() {},
};

import type { Application } from './types';

const DETECTION_MS = 500;

/**
 * `spandsp_start_fax_detect <app> <arg> [timeout]`: if the phone on this leg is a fax machine
 * (PhoneBehaviour faxTone), the given application is queued half a second later.
 */
export const faxDetect: Application = {
  names: ['spandsp_start_fax_detect'],
  async run({ core, session, arg }) {
    const [app = '', appArg = '', timeout] = arg.trim().split(/\s+/);
    if (app === '' || !session.farEnd?.faxTone) return;
    const limitMs = timeout === undefined ? Infinity : Number(timeout) * 1000;
    if (limitMs < DETECTION_MS) return;
    const timer = core.after(DETECTION_MS, () => session.enqueue({ kind: 'execute', app, arg: appArg }));
    session.hangupHooks.push(() => timer.cancel());
  },
};

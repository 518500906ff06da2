import { hangupCauseInfo } from '../esl/hangup-causes';
import type { Channel } from './channel';
import { localStamp, micros } from './event-factory';

/** How a leg ended, as far as the SIP variables FreeSWITCH sets are concerned. */
export type HangupOrigin = 'local' | 'remote-bye' | 'remote-refuse' | 'remote-cancel' | 'timeout';

const SIP_REASONS: Record<number, string> = {
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  484: 'Address Incomplete',
  486: 'Busy Here',
  487: 'Request Terminated',
  503: 'Service Unavailable',
  603: 'Decline',
};

/**
 * The sip_* variables sofia sets when a leg ends (captures 01, 02, 04), except
 * sip_hangup_disposition, which is returned: when it becomes visible depends on who hung up.
 */
export function applyHangupSipVariables(channel: Channel, origin: HangupOrigin, sipStatus: number | undefined): string {
  switch (origin) {
    case 'remote-bye':
      setTermStatus(channel, 200);
      return 'recv_bye';
    case 'remote-refuse': {
      const status = sipStatus ?? 480;
      channel.setVar('sip_invite_failure_status', String(status));
      channel.setVar('sip_invite_failure_phrase', SIP_REASONS[status] ?? 'Error');
      setTermStatus(channel, status);
      return 'recv_refuse';
    }
    case 'remote-cancel':
      setTermStatus(channel, 487);
      return 'recv_cancel';
    case 'timeout':
      return 'send_cancel';
    case 'local':
      if (channel.answered) return 'send_bye';
      return channel.direction === 'inbound' ? 'send_refuse' : 'send_cancel';
  }
}

/**
 * A far end's BYE/CANCEL/refusal sets the disposition as soon as sofia reads it, so the events
 * after CHANNEL_HANGUP carry it (07a); our own hangup sets it in sofia_on_hangup, when the
 * session has unwound, so only CHANNEL_HANGUP_COMPLETE does (01, 04, 05).
 */
export function dispositionIsImmediate(origin: HangupOrigin): boolean {
  return origin.startsWith('remote-');
}

function setTermStatus(channel: Channel, status: number): void {
  channel.setVar('sip_term_status', String(status));
  channel.setVar('proto_specific_hangup_cause', `sip:${status}`);
}

function seconds(ms: number | undefined): number {
  return ms === undefined ? 0 : Math.floor(ms / 1000);
}

/** The CDR variables of CHANNEL_HANGUP_COMPLETE, from the channel's clock readings (capture 05). */
export function applyCdrVariables(channel: Channel, end: number, last: { app: string; arg: string } | undefined): void {
  const t = channel.times;
  const cause = channel.hangupCause ?? 'NORMAL_CLEARING';
  const code = hangupCauseInfo(cause).code;
  const set = (name: string, value: string | number | undefined): void => channel.setVar(name, value === undefined ? undefined : String(value));
  set('hangup_cause', cause);
  set('hangup_cause_q850', code > 127 ? 16 : code);
  if (channel.dtmfPressed.length > 0) set('digits_dialed', channel.dtmfPressed.join(''));
  set('start_stamp', localStamp(t.created));
  set('profile_start_stamp', localStamp(t.created));
  if (t.answered !== undefined) set('answer_stamp', localStamp(t.answered));
  if (t.bridged !== undefined) set('bridge_stamp', localStamp(t.bridged));
  set('end_stamp', localStamp(end));
  const epochs = [t.created, t.created, t.answered, t.bridged, t.progress, t.progressMedia, end];
  epochs.forEach((ms, i) => {
    const names = EPOCH_NAMES[i]!;
    set(names.epoch, seconds(ms));
    set(names.uepoch, micros(ms));
  });
  if (last) {
    set('last_app', last.app);
    set('last_arg', last.arg);
  }
  const name = channel.profile['Caller-ID-Name'] ?? channel.profile['Caller-ID-Number'] ?? '';
  set('caller_id', `"${name}" <${channel.profile['Caller-ID-Number'] ?? ''}>`);
  const since = (ms: number | undefined, from: number): number => (ms === undefined ? 0 : ms - from);
  const billMs = t.answered === undefined ? 0 : end - t.answered;
  // [ms, whole-second difference as FreeSWITCH computes it from epochs], in DURATION_NAMES' order
  const durations: Array<[number, number]> = [
    [end - t.created, seconds(end) - seconds(t.created)],
    [billMs, t.answered === undefined ? 0 : seconds(end) - seconds(t.answered)],
    [since(t.progress, t.created), t.progress === undefined ? 0 : seconds(t.progress) - seconds(t.created)],
    [since(t.answered, t.created), t.answered === undefined ? 0 : seconds(t.answered) - seconds(t.created)],
    [since(t.bridged, t.created), t.bridged === undefined ? 0 : seconds(t.bridged) - seconds(t.created)],
    [since(t.progressMedia, t.created), t.progressMedia === undefined ? 0 : seconds(t.progressMedia) - seconds(t.created)],
    [end - t.created, seconds(end) - seconds(t.created)],
  ];
  durations.forEach(([, sec], i) => set(DURATION_NAMES[i]!.sec, sec));
  durations.forEach(([ms], i) => set(DURATION_NAMES[i]!.msec, Math.round(ms)));
  durations.forEach(([ms], i) => set(DURATION_NAMES[i]!.usec, Math.round(ms * 1000)));
}

// The CDR variables' names, made once (every leg that ends sets them all).
const EPOCH_NAMES = ['start', 'profile_start', 'answer', 'bridge', 'progress', 'progress_media', 'end'].map((name) => ({ epoch: `${name}_epoch`, uepoch: `${name}_uepoch` }));
const DURATION_NAMES = ['duration', 'bill', 'progress', 'answer', 'wait', 'progress_media', 'flow_bill'].map((base) =>
  base === 'duration' ? { sec: 'duration', msec: 'mduration', usec: 'uduration' } : { sec: `${base}sec`, msec: `${base}msec`, usec: `${base}usec` },
);

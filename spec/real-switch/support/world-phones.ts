import type { PhoneBehaviour, PhoneScript } from '../../../lib/simulator/types';
import { FREESWITCH_PREFIX } from './availability';

/** The ITU test page the shared build ships, sent by a scripted fax machine with `txfax`. */
export const TEST_FAX_PAGE = `${FREESWITCH_PREFIX}/share/freeswitch/fax/rig-test-page.tif`;

/** Each key is pressed this long (FreeSWITCH still spaces keys ~440 ms apart: a 14-key code takes 6 s). */
const DTMF_MS = 100;

/** How long an answered phone stays on the line when its script does not hang up (the controller ends the call). */
const STAY_MS = 120_000;

/**
 * The inline dialplan (`app:arg,app:arg`) that makes the test carrier's `world` context behave
 * as the simulator's PhoneBook behaviour does, so one scenario can run on both. Inline dialplans
 * split on commas and spaces, so no argument may hold either.
 */
export function inlineDialplan(phone: PhoneBehaviour): string {
  const wait = (ms: number | undefined): string[] => (ms ? [`sleep:${ms}`] : []);
  switch (phone.kind) {
    case 'busy':
      return [...wait(phone.afterMs), 'respond:486'].join(',');
    case 'no-answer':
      return ['ring_ready', `sleep:${STAY_MS}`, 'hangup:NO_ANSWER'].join(',');
    case 'unallocated':
      return [...wait(phone.afterMs), 'respond:404'].join(',');
    case 'congestion':
      return [...wait(phone.afterMs), 'respond:503'].join(',');
    case 'reject':
      return [...wait(phone.afterMs), `hangup:${phone.cause}`].join(',');
    case 'answer':
      return [...(phone.ringing ? ['ring_ready'] : []), ...wait(phone.afterMs), 'answer', ...afterAnswer(phone)].join(',');
  }
}

type Answered = Extract<PhoneBehaviour, { kind: 'answer' }>;

/** Key presses and the hang-up on one timeline from the answer, as sleeps between steps. */
function afterAnswer(phone: Answered): string[] {
  if (phone.fax || phone.faxTone) return [`txfax:${TEST_FAX_PAGE}`, 'hangup'];
  const steps: { at: number; app: string }[] = (phone.dtmf ?? []).map((press) => ({ at: press.afterMs, app: `send_dtmf:${press.digits}@${DTMF_MS}` }));
  steps.sort((a, b) => a.at - b.at);
  const end = phone.hangupAfterMs ?? STAY_MS;
  const apps: string[] = [];
  let now = 0;
  for (const step of steps.filter((s) => s.at < end)) {
    if (step.at > now) apps.push(`sleep:${step.at - now}`);
    apps.push(step.app);
    now = step.at;
  }
  apps.push(`sleep:${Math.max(end - now, 1)}`, 'hangup');
  return apps;
}

/**
 * The hash entries (`hash insert/world/<key>/<value>`) for a number's script: one per call in
 * turn (`<number>-1`, `<number>-2`, …), and `<number>-last` that every later call repeats, as in
 * the simulator's PhoneBook.
 */
export function worldEntries(number: string, script: PhoneScript): { key: string; value: string }[] {
  const digits = number.replace(/^\+/, '');
  const behaviours: readonly PhoneBehaviour[] = Array.isArray(script) ? script : [script as PhoneBehaviour];
  if (behaviours.length === 0) throw new Error(`phone ${number}: a sequence needs at least one behaviour`);
  const entries = behaviours.map((b, i) => ({ key: `${digits}-${i + 1}`, value: inlineDialplan(b) }));
  entries.push({ key: `${digits}-last`, value: inlineDialplan(behaviours[behaviours.length - 1]!) });
  return entries;
}

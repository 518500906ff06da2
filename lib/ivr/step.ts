import type { CallSession } from '../esl/call-session';
import { CallEnded } from '../esl/errors';

/**
 * One IVR step, after jambonz's tasks: `exec` runs it on a session and `signal` cancels it.
 * A hangup makes every pending call step reject with CallEnded, which a step lets through
 * untouched, so the caller of the IVR sees one error for "the caller left" whatever step ran.
 * Steps write nothing until they have their answer, so a hangup leaves no half-written rows.
 */
export interface IvrStep<T> {
  readonly name: string;
  exec(session: CallSession, signal: AbortSignal): Promise<T>;
}

/** Runs a step, cancelling it when the call ends. */
export async function runStep<T>(step: IvrStep<T>, session: CallSession, signal?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    if (session.isEnded) throw new CallEnded({ uuid: session.uuid, reason: 'hangup', hangupCause: session.hangupCause, step: step.name });
    return await step.exec(session, controller.signal);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

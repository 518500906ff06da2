import type { ExtensionEndpoint } from '../../domain/call-endpoint';
import type { OriginateRequest, SocketTarget, UserTarget } from '../../esl/dial-string';
import type { HangupCause } from '../../esl/hangup-causes';
import type { CallLeg, RequestEvent } from '../state/request-events';
import type { CarrierDial } from '../../routing/leg-router';
import { sentCallerId } from '../../routing/carrier-dial';
import type { FlowHost } from './flow';
import type { LegOutcome } from './leg-waiter';
import type { LiveLeg } from './live-leg';

/**
 * Steps both modes share: how a leg is originated, and how what FreeSWITCH says about it
 * becomes a request event. Each leg reports at most one of answered / failed, then (once up)
 * its hangup.
 */

/** Channel variables on every leg we place: how a socket connection or a CDR finds its request. */
export function legVariables(host: Pick<FlowHost, 'request'>, leg: LiveLeg): Record<string, string> {
  return { callback_request_id: host.request.id, callback_leg: leg.role, callback_attempt: String(leg.attempt) };
}

/** A try's gateway on `node`, the number as its carrier wants it, and the caller ID its carrier's rule gives. */
export interface CarrierFields {
  readonly gateway: string;
  readonly number: string;
  readonly callerIdNumber: string | undefined;
  readonly variables: Record<string, string>;
}

export function carrierFields(via: CarrierDial, node: string): CarrierFields {
  const gateway = via.gateways.get(node);
  // The route gave this try only nodes its carrier has a gateway on: another node is a caller bug.
  if (gateway === undefined) throw new Error(`carrier ${via.carrier.name} has no gateway on node ${node}`);
  const { callerId } = via;
  return {
    gateway,
    number: via.number,
    callerIdNumber: sentCallerId(callerId),
    variables: callerId.kind === 'anonymous' ? { origination_privacy: 'hide_name:hide_number' } : {},
  };
}

export function originateRequest(host: FlowHost, leg: LiveLeg, fields: CarrierFields, app: SocketTarget | 'park', variables: Record<string, string | boolean> = {}): OriginateRequest {
  const request: OriginateRequest = { ...originateBase(host, leg, app, { ...fields.variables, ...variables }), gateway: fields.gateway, number: fields.number };
  return fields.callerIdNumber === undefined ? request : { ...request, callerIdNumber: fields.callerIdNumber };
}

/**
 * Leg A to a user registered on the node (call_extension): `user/<extension>[@<domain>]`, no
 * carrier. The domain is the access number's, else `callback.extensionDomain`, else the node's own.
 */
export function extensionOriginateRequest(host: FlowHost, leg: LiveLeg, extension: ExtensionEndpoint, app: SocketTarget, variables: Record<string, string | boolean>): OriginateRequest {
  const user: UserTarget = { extension: extension.extension, domain: extension.domain ?? host.ctx.settings.extensionDomain };
  const request: OriginateRequest = { ...originateBase(host, leg, app, variables), user };
  return leg.callerId === undefined ? request : { ...request, callerIdNumber: leg.callerId };
}

function originateBase(host: FlowHost, leg: LiveLeg, app: SocketTarget | 'park', variables: Record<string, string | boolean>): Omit<OriginateRequest, 'gateway' | 'number' | 'user'> {
  return { uuid: leg.uuid, timeoutSec: host.ctx.settings.waitTimeSeconds, socket: app, variables: { ...legVariables(host, leg), ...variables } };
}

/** W3: a leg that rings says so. */
export function followProgress(host: FlowHost, leg: LiveLeg): void {
  leg.signals.progress.whenDone(() => host.detach(leg.mark('ringing')));
}

const EVENTS: { readonly [L in CallLeg]: { answered: RequestEvent; failed: (cause: HangupCause) => RequestEvent } } = {
  A: { answered: { type: 'a_answered' }, failed: (cause) => ({ type: 'a_failed', cause }) },
  B: { answered: { type: 'b_answered' }, failed: (cause) => ({ type: 'b_failed', cause }) },
};

/**
 * Turns a leg's outcome into the request's event. An answered leg is followed until it hangs up
 * (`hung_up`, by that leg); a failed one that may still exist is hung up, so nothing rings on
 * after we gave up on it. `answerWrittenByItsStep`: the answer's event writes the leg's row again
 * at once (source first: A's new hold before B is dialed), and that write carries the answer.
 */
export async function reportOutcome(host: FlowHost, leg: LiveLeg, outcome: LegOutcome, answerWrittenByItsStep = false): Promise<void> {
  const role = leg.role;
  // A feature's leg (C) reports to its feature (lib/features/feature-leg.ts), not to the request.
  if (role === 'C') throw new Error('reportOutcome is for the request legs A and B');
  if (outcome.kind === 'failed') {
    leg.failureCause = outcome.cause;
    if (outcome.orphan) {
      leg.mayBeUp = true;
      leg.log.warn('gave a leg up; hanging it up in case it is up', { role: leg.role, cause: outcome.cause, why: outcome.givenUp });
      await leg.control.hangup('NORMAL_CLEARING').catch((error: unknown) => leg.log.warn('could not hang up an orphaned leg', { error: String(error) }));
    }
    leg.log.info('leg failed', { role: leg.role, cause: outcome.cause });
    await host.send(EVENTS[role].failed(outcome.cause));
    return;
  }
  leg.mayBeUp = true;
  // The row catches up behind the event (live-leg.ts keeps its writes in order): B's answer goes
  // to uuid_bridge without waiting for the database (engine README, "Acting before the write").
  // The answer that completes the pair is followed at once by the bridge, whose write carries it.
  const withTheNextWrite = answerWrittenByItsStep || completesThePair(host, leg);
  if (withTheNextWrite) leg.answerWithTheNextWrite();
  const marked = withTheNextWrite ? undefined : leg.mark('answered');
  leg.log.info('leg answered', { role: leg.role });
  leg.signals.hangup.whenDone((cause) => host.detach(host.send({ type: 'hung_up', by: role, cause })));
  await Promise.all([host.send(EVENTS[role].answered), marked]);
  // The event is handled: unless its step wrote the row, the answer is written on its own.
  if (withTheNextWrite) await leg.writeAnswer();
}

/** The other leg of the request has answered and is up: this answer is the one the bridge follows. */
function completesThePair(host: FlowHost, leg: LiveLeg): boolean {
  const other = leg.role === 'A' ? host.legB : host.legA;
  return other !== undefined && other !== leg && other.isUp && other.answeredAt !== null;
}

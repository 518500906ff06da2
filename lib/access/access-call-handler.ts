import { InvalidOrder, type CallbackOrder, type OrderResult } from '../callback/engine/order';
import type { SystemSettings } from '../settings';
import type { CallSession } from '../esl/call-session';
import { CallEnded, EslCommandFailed } from '../esl/errors';
import { callLogger, type Logger } from '../log/logger';
import type { Store } from '../store';
import type { Clock } from '../time/clock';
import { decideAccessCall, orderedSource, type AccessCallFacts, type AccessDecision, type AccessRefusal, type CallbackPlan } from './decide-access';
import { auditRefusal, refusal, type Refusal } from './refusal';

/** The engine's ordering, as the handler uses it (CallbackEngine fits). */
export interface AccessOrderer {
  order(input: CallbackOrder): Promise<OrderResult>;
}

export interface AccessCallDeps {
  readonly store: Store;
  readonly engine: AccessOrderer;
  /** The system values under the account's and access number's overrides. */
  readonly system: SystemSettings;
  /** A6: pays leg A of a caller nobody identified; its callback tariff decides where that leg may go. */
  readonly operatorCallbackAccountId: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * T1: the outbound-socket handler for a call to an access number. It never answers: the caller
 * is refused with the configured cause (so they pay nothing) and, when allowed, called back
 * after the delay. Everything that gets no callback is audited with its reason (A5).
 */
export function accessCallHandler(deps: AccessCallDeps): (session: CallSession) => Promise<void> {
  return async (session) => {
    const call: AccessCallFacts = {
      uuid: session.uuid,
      did: session.destinationNumber ?? session.variable('callback_access_did'),
      rawCaller: session.callerIdNumber,
    };
    const log = callLogger(deps.logger, { legUuid: session.uuid }).child({ did: call.did, caller: call.rawCaller });
    const decision = await decide(deps, call, log);
    await ringThenReject(session, decision, log);
    if (decision.kind === 'refuse') {
      log.warn('access call refused', { reason: decision.refusal.reason, ...decision.refusal.details });
      await auditRefusal(deps.store, decision.refusal, { ...call, caller: decision.caller });
      return;
    }
    const ordered = await orderCallback(deps, decision.plan, call);
    if ('reason' in ordered) {
      log.warn('access callback could not be ordered', { reason: ordered.reason, ...ordered.details });
      await auditRefusal(deps.store, ordered, { ...call, caller: decision.caller });
      return;
    }
    log.info(ordered.created ? 'access callback ordered' : 'access call seen before; callback already ordered', {
      requestId: ordered.request.id,
      source: ordered.request.source,
      dueAt: ordered.request.dueAt,
    });
  };
}

/** A database failure still refuses the call: a ringing access call costs nobody anything, but must not ring forever. */
async function decide(deps: AccessCallDeps, call: AccessCallFacts, log: Logger): Promise<AccessDecision> {
  try {
    return await decideAccessCall(
      { store: deps.store, system: deps.system, operatorCallbackAccountId: deps.operatorCallbackAccountId, now: deps.clock.now(), logger: log },
      call,
    );
  } catch (error) {
    log.error('access call decision failed', { error: error instanceof Error ? error.message : String(error) });
    return { kind: 'refuse', cause: deps.system.callback.rejectHangupCause, ringSeconds: 0, caller: null, refusal: refusal('internal_error') };
  }
}

/**
 * "Two or three rings, then busy": `ring_ready` (180, the caller hears ringback) and FreeSWITCH's
 * own `sleep` on the unanswered channel, then the refusal; nothing is answered, so nobody pays.
 * The caller usually hangs up on the ringing themselves (that is how callback is used), so a
 * call that ended before our refusal is not an error: the callback goes ahead all the same.
 */
async function ringThenReject(session: CallSession, end: AccessRefusal, log: Logger): Promise<void> {
  try {
    if (end.ringSeconds > 0) {
      await session.execute('ring_ready');
      await session.execute('sleep', String(end.ringSeconds * 1000));
    }
    await session.reject(end.cause);
  } catch (error) {
    if (error instanceof CallEnded || error instanceof EslCommandFailed) {
      log.debug('access call ended before it was refused', { error: error.message });
      return;
    }
    throw error;
  }
}

async function orderCallback(deps: AccessCallDeps, plan: CallbackPlan, call: AccessCallFacts): Promise<OrderResult | Refusal> {
  const accountId = plan.subscriber.account?.id;
  try {
    return await deps.engine.order({
      trigger: 'access',
      ...(accountId === undefined ? {} : { accountId }),
      source: orderedSource(plan.target, plan.accessNumber),
      ...(plan.target.kind === 'extension' ? { extension: plan.target } : {}),
      destination: plan.settings.destination,
      dueAt: deps.clock.now() + plan.settings.delaySeconds * 1000,
      accessNumber: plan.accessNumber.did,
      ...(plan.settings.trunk === null ? {} : { trunk: plan.settings.trunk }),
      // FreeSWITCH may hand us the same call twice (a reconnect): one call, one callback.
      idempotencyKey: call.uuid,
    });
  } catch (error) {
    if (error instanceof InvalidOrder) return refusal('invalid_order', accountId ?? null, { issues: error.issues.slice(0, 200) });
    throw error;
  }
}

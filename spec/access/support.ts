import { accessCallHandler } from '../../lib/access';
import type { CallbackSettings } from '../../lib/config';
import type { E164 } from '../../lib/domain/phone-number';
import type { AuditEntry, CallbackRequest } from '../../lib/store';
import type { AccessRig } from './access-rig';

let nextDid = 100;

/** A DID of its own per test, so tests on one database never see each other's access numbers. */
export function freshDid(): E164 {
  nextDid += 1;
  return `+1212555${String(nextDid).padStart(4, '0')}` as E164;
}

/** Installs the access handler and counts the calls it finished. */
export function useAccessHandler(r: AccessRig, limits: Partial<CallbackSettings> = {}): { handled: () => number } {
  const handler = accessCallHandler({ ...r, system: { ...r.system, callback: { ...r.settings, ...limits } } });
  let handled = 0;
  r.setAccessHandler(async (session) => {
    try {
      await handler(session);
    } finally {
      handled += 1;
    }
  });
  return { handled: () => handled };
}

/** Places a call to `did` from `caller` and steps time until the handler is done with it. */
export async function accessCall(r: AccessRig, counter: { handled: () => number }, did: string, caller: string): Promise<string> {
  const before = counter.handled();
  const uuid = await r.sim.placeInboundCall({ destination: did.replace(/^\+/, ''), callerIdNumber: caller, socket: r.socket });
  await r.runUntil(() => counter.handled() > before, `access call ${uuid} handled`, 60_000);
  return uuid;
}

export async function accessRequests(r: AccessRig, accountId?: number): Promise<CallbackRequest[]> {
  const all = await r.store.callbackRequests.list({ ...(accountId === undefined ? {} : { accountId }), limit: 1000 });
  return all.filter((request) => request.trigger === 'access');
}

export async function refusalsFor(r: AccessRig, did: string): Promise<AuditEntry[]> {
  const entries = await r.store.auditLog.list({ kind: 'refused', limit: 1000 });
  return entries.filter((entry) => entry.details.did !== undefined && String(entry.details.did).endsWith(did.replace(/^\+/, '')));
}

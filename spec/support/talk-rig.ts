import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { talkFeatures, type TalkFeaturesOptions } from '../../lib/features';
import type { Leg } from '../../lib/store';
import type { Engine as DatabaseEngine } from './databases';
import { DESTINATION, SOURCE, startEngineRig, type EngineRig, type RigOptions } from './engine-harness';
import type { PhoneScript } from '../../lib/simulator';

/** The inter-digit timeout the feature tests run with. */
export const GAP = 1_500;

export interface Talking {
  readonly r: EngineRig;
  readonly requestId: string;
  readonly a: Leg;
  readonly b: Leg;
  readonly accountId: number;
}

export interface TalkingOptions {
  readonly balance?: number;
  /** The source's phone; by default it answers and stays. */
  readonly source?: PhoneScript;
  /** The destination's phone; by default it answers and talks for 10 minutes. */
  readonly destination?: PhoneScript;
  readonly features?: TalkFeaturesOptions;
  /** The account's own columns (e.g. its language). */
  readonly account?: Parameters<EngineRig['account']>[1];
  /** More of the order (e.g. the access number it came through). */
  readonly order?: Partial<Parameters<EngineRig['engine']['order']>[0]>;
  /** The simulated node (e.g. its carriers' gateways). */
  readonly simulator?: RigOptions['simulator'];
  /** Runs on the rig before the call is ordered (e.g. setting up carriers). */
  readonly prepare?: (rig: EngineRig) => Promise<void>;
}

/**
 * An engine rig with the in-call features on, and a request whose A and B are talking: the
 * starting point of every feature test. The rig is handed to `keep` so that afterEach stops it.
 */
export async function startTalking(db: Knex, dbEngine: DatabaseEngine, keep: (rig: EngineRig) => void, options: TalkingOptions = {}): Promise<Talking> {
  // The simulator writes recordings where FreeSWITCH would: a directory of the rig's own, removed with it.
  const recordingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-rec-'));
  const rig = await startEngineRig(db, dbEngine, {
    engine: { onTalk: talkFeatures({ interDigitMs: GAP, recordingsDir, ...options.features }) },
    ...(options.simulator ? { simulator: options.simulator } : {}),
  });
  const r: EngineRig = {
    ...rig,
    async stop() {
      await rig.stop();
      fs.rmSync(recordingsDir, { recursive: true, force: true });
    },
  };
  keep(r);
  await options.prepare?.(r);
  const account = await r.account(options.balance ?? 100_000, options.account);
  r.sim.setPhone(SOURCE, options.source ?? { kind: 'answer' });
  r.sim.setPhone(DESTINATION, options.destination ?? { kind: 'answer', hangupAfterMs: 600_000 });
  const { request } = await r.engine.order({ ...options.order, accountId: account.id, source: SOURCE, destination: DESTINATION });
  await r.runUntil(async () => (await r.store.callbackRequests.findById(request.id))?.state === 'bridged', 'talking');
  await r.runUntil(async () => (await r.store.legs.listForRequest(request.id)).length === 2, 'both legs');
  const [a, b] = await r.store.legs.listForRequest(request.id);
  return { r, requestId: request.id, a: a!, b: b!, accountId: account.id };
}

/** The states the request passed through, as the engine announced them. */
export function statesOf(r: EngineRig, requestId: string): string[] {
  return r.requests.filter((c) => c.requestId === requestId).map((c) => c.to);
}

/** Until every leg of the request has recorded its end (a feature's leg C settles on its own). */
export async function allLegsEnded(r: EngineRig, requestId: string): Promise<Leg[]> {
  await r.runUntil(async () => (await r.store.legs.listForRequest(requestId)).every((leg) => leg.endedAt !== null), 'every leg settled');
  return r.store.legs.listForRequest(requestId);
}

/**
 * Each leg's billsec is the whole seconds from its answer to its hangup as the switch saw them
 * (the rig may step the clock while it waits for the database, so these are read, not assumed),
 * at least `atLeast[i]`; B's and C's cost is the demo retail rate, 1 cent per started minute.
 */
export function expectBilled(r: EngineRig, legs: readonly Leg[], atLeast: readonly number[]): void {
  legs.forEach((leg, i) => {
    const channel = r.sim.channel(leg.uuid);
    const seconds = channel?.answeredAt === undefined || channel.hangupAt === undefined ? 0 : Math.floor((channel.hangupAt - channel.answeredAt) / 1000);
    expect([leg.role, leg.billsec]).toEqual([leg.role, seconds]);
    expect(leg.billsec).toBeGreaterThanOrEqual(atLeast[i] ?? 0);
    if (leg.role !== 'A') expect([leg.role, leg.costMinor]).toEqual([leg.role, Math.ceil(seconds / 60)]);
  });
}

/** Every leg settled: one CDR each, the costs on the rows, nothing held, the balance down by exactly their sum. */
export async function expectBooked({ r, requestId, accountId }: Talking, legs: readonly Leg[]): Promise<void> {
  const cdrs = await r.store.cdrs.listForRequest(requestId);
  expect(cdrs.map((cdr) => cdr.legUuid).sort()).toEqual(legs.map((leg) => leg.uuid).sort());
  for (const leg of legs) expect(cdrs.find((cdr) => cdr.legUuid === leg.uuid)?.costMinor).toBe(leg.costMinor);
  const cost = legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0);
  expect(await r.store.accounts.balance(accountId)).toMatchObject({ balanceMinor: 100_000 - cost, reservedMinor: 0 });
  expect(await r.store.reservations.listHeld({ requestId })).toEqual([]);
}

import type { Leg, Reservation } from '../../../lib/store';
import type { PhoneScript } from '../../../lib/simulator';
import { isFinalState, isRequestState } from '../../../lib/callback/state/request-state';
import { describeEachDatabase } from '../../support/databases';
import { DESTINATION, PROMPTS_DIR, SOURCE, startEngineRig, type EngineRig } from '../../support/engine-harness';

/** What a client reads the moment the request is announced final (W3 status webhook, live event). */
interface AtFinal {
  readonly state: string;
  readonly legs: Leg[];
  readonly held: Reservation[];
  readonly balanceMinor: number;
  readonly reservedMinor: number;
}

const IVR_MS = 4_000;

describeEachDatabase('#16.2 a request is final only when every leg is settled', (getDb, dbEngine) => {
  let rig: EngineRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  /** A rig whose Busy and Failed IVRs take IVR_MS, and what the store says as the request turns final. */
  async function callAndWatch(destination: PhoneScript): Promise<{ r: EngineRig; requestId: string; accountId: number; atFinal: () => Promise<AtFinal> }> {
    const r = (rig = await startEngineRig(getDb(), dbEngine, {
      simulator: { fileDurations: { [`${PROMPTS_DIR}/en/ivr/busy.wav`]: IVR_MS, [`${PROMPTS_DIR}/en/ivr/failed.wav`]: IVR_MS } },
    }));
    const account = await r.account(1_000);
    r.sim.setPhone(SOURCE, { kind: 'answer' });
    r.sim.setPhone(DESTINATION, destination);
    let snapshot: Promise<AtFinal> | undefined;
    r.engine.on('request', (change) => {
      // Read at once, before anything else the engine does next can land.
      if (isRequestState(change.to) && isFinalState(change.to)) snapshot ??= readAtFinal(r, change.requestId, account.id);
    });
    const { request } = await r.engine.order({ accountId: account.id, source: SOURCE, destination: DESTINATION });
    return {
      r,
      requestId: request.id,
      accountId: account.id,
      atFinal: async () => {
        await r.finish(request.id);
        if (!snapshot) throw new Error('the request was never announced final');
        return snapshot;
      },
    };
  }

  async function readAtFinal(r: EngineRig, requestId: string, accountId: number): Promise<AtFinal> {
    const [request, legs, held, balance] = await Promise.all([
      r.store.callbackRequests.findById(requestId),
      r.store.legs.listForRequest(requestId),
      r.store.reservations.listHeld({ accountId }),
      r.store.accounts.balance(accountId),
    ]);
    return { state: request!.state, legs, held, balanceMinor: balance!.balanceMinor, reservedMinor: balance!.reservedMinor };
  }

  function expectSettled(at: AtFinal, cost: number): void {
    expect(at.legs.map((leg) => leg.endedAt !== null && leg.costMinor !== null)).toEqual(at.legs.map(() => true));
    expect(at.legs.reduce((sum, leg) => sum + (leg.costMinor ?? 0), 0)).toBe(cost);
    expect(at.held).toEqual([]);
    expect(at.reservedMinor).toBe(0);
    expect(at.balanceMinor).toBe(1_000 - cost);
  }

  it.each([
    ['busy', { kind: 'busy', afterMs: 2_000 } as const, 'ivr/busy.wav', 'USER_BUSY'],
    ['failed', { kind: 'unallocated' } as const, 'ivr/failed.wav', 'UNALLOCATED_NUMBER'],
  ])('B %s: not final while A hears its IVR; final with the billed cost and nothing held', async (state, phone, prompt, cause) => {
    const { r, requestId, atFinal } = await callAndWatch(phone);
    await r.runUntil(() => r.legs.some((c) => c.role === 'B' && c.status === state), 'B settled');
    const aUuid = r.legs.find((c) => c.role === 'A')!.legUuid;
    await r.runUntil(() => (r.sim.channel(aUuid)?.playbacks.length ?? 0) === 1, 'A in the IVR');
    const startedAt = r.clock.now();
    // Most of the prompt later, A still hears it: the request is not final yet.
    await r.runUntil(() => r.clock.now() - startedAt >= IVR_MS - 1_000, 'into the prompt');
    expect(r.sim.channel(aUuid)?.hangupAt).toBeUndefined();
    const during = await r.store.callbackRequests.findById(requestId);
    expect(isFinalState(during!.state as never)).toBe(false);
    expect(r.requests.filter((c) => c.requestId === requestId).map((c) => c.to)).toEqual(['queued', 'dialing_a', 'dialing_b']);

    const at = await atFinal();
    expect(at.state).toBe(state);
    expect(r.sim.channel(aUuid)?.playbacks.map((p) => p.file)).toEqual([`${PROMPTS_DIR}/en/${prompt}`]);
    const legs = at.legs;
    expect(legs.map((leg) => [leg.role, leg.hangupCause])).toEqual([
      ['A', 'NORMAL_CLEARING'],
      ['B', cause],
    ]);
    // A was billed for the time in the IVR, and that is what the final state shows.
    expect(legs[0]!.billsec).toBeGreaterThanOrEqual(IVR_MS / 1000 - 1);
    expectSettled(at, legs[0]!.costMinor!);
  });

  it('a completed talk is final with both legs billed and nothing held', async () => {
    const { r, atFinal } = await callAndWatch({ kind: 'answer', hangupAfterMs: 61_000 });
    const at = await atFinal();
    expect(at.state).toBe('completed');
    expect(at.legs.map((leg) => [leg.role, leg.state])).toEqual([
      ['A', 'completed'],
      ['B', 'completed'],
    ]);
    expect(at.legs[1]!.costMinor).toBe(2);
    expectSettled(at, at.legs[0]!.costMinor! + 2);
    void r;
  });
});

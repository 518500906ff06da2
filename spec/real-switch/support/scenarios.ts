import { existsSync, statSync } from 'node:fs';
import request from 'supertest';
import { FINAL_STATES } from '../../../lib/callback/state/request-state';
import { DEMO } from '../../../db/seeds/demo';
import type { E164 } from '../../../lib/domain/phone-number';
import { createStore, type Store } from '../../../lib/store';
import type { CallbackRequest } from '../../../lib/store/callback-requests';
import { TEST_OPERATOR_KEY } from '../../support/service-settings';
import type { SwitchUnderTest } from './backends';

/** Polls `probe` until it returns a value, or fails naming `what` after `ms`: real calls take real time. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function orderCallback(sut: SwitchUnderTest, source: string, destination: string): Promise<string> {
  const account = (await store(sut).accounts.findByName(DEMO.accountName))!;
  const ordered = await request(sut.base).post('/api/v1/callbacks').set('Authorization', `Bearer ${TEST_OPERATOR_KEY}`).send({ accountId: account.id, source, destination }).expect(201);
  return ordered.body.id as string;
}

function store(sut: SwitchUnderTest): Store {
  return createStore(sut.service.db);
}

function finished(sut: SwitchUnderTest, id: string, ms?: number): Promise<CallbackRequest> {
  return eventually(
    `request ${id} to end`,
    async () => {
      const found = await store(sut).callbackRequests.findById(id);
      return found && (FINAL_STATES as readonly string[]).includes(found.state) ? found : undefined;
    },
    ms,
  );
}

function digits(number: string | undefined): string {
  return (number ?? '').replace(/^\+/, '');
}

function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : -1;
}

/** The leg's PLAYBACK_STOP events, by the file played. */
function playedOn(sut: SwitchUnderTest, legUuid: string): string[] {
  return sut.events.filter((e) => e.headers.get('Event-Name') === 'PLAYBACK_STOP' && e.headers.get('Unique-ID') === legUuid).map((e) => e.headers.get('Playback-File-Path') ?? '');
}

/**
 * The scenarios both switches must pass with the same assertions (spec/real-switch/*.test.ts runs
 * them on FreeSWITCH and on the simulator). Each uses numbers of its own, so the phones of one
 * cannot answer another's calls. Talks are 2–3 s.
 */
export function callbackScenarios(sut: () => SwitchUnderTest): void {
  it('an API callback is bridged, billed from the socket, and FreeSWITCH\u2019s json_cdr agrees for each leg', async () => {
    const s = sut();
    const [a, b] = ['+12125550111', '+12125550112'];
    await s.setPhone(a, { kind: 'answer' });
    await s.setPhone(b, { kind: 'answer', hangupAfterMs: 2500 });
    const before = (await store(s).accounts.findByName(DEMO.accountName))!.balanceMinor;

    const done = await finished(s, await orderCallback(s, a, b));

    expect(done.state).toBe('completed');
    // Settlement follows the request's end: each leg is settled when its hangup is complete.
    const cdrs = await eventually('a CDR per leg', async () => {
      const found = await store(s).cdrs.listForRequest(done.id);
      return found.length >= 2 ? found : undefined;
    }, 15_000);
    expect(cdrs.map((c) => c.number).sort()).toEqual([a, b].sort());
    for (const cdr of cdrs) {
      expect(cdr.billsec).toBeGreaterThanOrEqual(2);
      expect(cdr.billsec).toBeLessThanOrEqual(5);
      expect(cdr.costMinor).toBeGreaterThan(0);
      const fsCdr = await eventually(`json_cdr of ${cdr.number}`, async () => {
        const found = await store(s).freeswitchCdrs.findByLegUuid(cdr.legUuid);
        return found && found.reconciliation !== 'pending' ? found : undefined;
      });
      expect(fsCdr).toMatchObject({ reconciliation: 'agrees', billsec: cdr.billsec, requestId: done.id });
    }
    const after = (await store(s).accounts.findByName(DEMO.accountName))!.balanceMinor;
    expect(before - after).toBe(cdrs.reduce((sum, c) => sum + c.costMinor, 0));
  });

  it('A busy: A is tried again after the retry interval, then the request ends busy and costs nothing', async () => {
    const s = sut();
    const [a, b] = ['+12125550121', '+12125550122'];
    await s.setPhone(a, { kind: 'busy' });
    await s.setPhone(b, { kind: 'answer', hangupAfterMs: 2000 });
    const before = (await store(s).accounts.findByName(DEMO.accountName))!.balanceMinor;

    const done = await finished(s, await orderCallback(s, a, b), 40_000);

    expect(done).toMatchObject({ state: 'busy', attempts: 2, lastCause: 'USER_BUSY' });
    const legs = await store(s).legs.listForRequest(done.id);
    expect(legs.map((l) => [l.role, l.hangupCause])).toEqual([
      ['A', 'USER_BUSY'],
      ['A', 'USER_BUSY'],
    ]);
    expect((await store(s).accounts.findByName(DEMO.accountName))!.balanceMinor).toBe(before);
  });

  it('B busy: A hears the Busy IVR to its end, then the request ends busy', async () => {
    const s = sut();
    const [a, b] = ['+12125550131', '+12125550132'];
    await s.setPhone(a, { kind: 'answer' });
    await s.setPhone(b, { kind: 'busy' });

    const done = await finished(s, await orderCallback(s, a, b));

    expect(done.state).toBe('busy');
    const legs = await store(s).legs.listForRequest(done.id);
    const legA = legs.find((l) => l.role === 'A')!;
    expect(legs.find((l) => l.role === 'B')).toMatchObject({ hangupCause: 'USER_BUSY' });
    const played = await eventually('the Busy IVR on leg A', async () => {
      const files = playedOn(s, legA.uuid);
      return files.length > 0 ? files : undefined;
    }, 5000);
    expect(played.some((f) => f.endsWith('/callback/busy.wav'))).toBe(true);
  });

  it('*8 then *9 from A records the talk into a non-empty file', async () => {
    const s = sut();
    const [a, b] = ['+12125550141', '+12125550142'];
    await s.setPhone(a, { kind: 'answer', dtmf: [{ afterMs: 1500, digits: '*8' }, { afterMs: 3500, digits: '*9' }], hangupAfterMs: 4500 });
    await s.setPhone(b, { kind: 'answer' });

    const done = await finished(s, await orderCallback(s, a, b));

    expect(done.state).toBe('completed');
    const recordings = await eventually('the recording', async () => {
      const found = await store(s).recordings.listForRequest(done.id);
      return found.length > 0 ? found : undefined;
    }, 5000);
    expect(recordings).toHaveLength(1);
    // The simulator writes a WAV of the recorded length too (capture 11a), so both sides assert the same.
    expect(recordings[0]!.bytes).toBe(sizeOf(recordings[0]!.path));
    expect(recordings[0]!.bytes).toBeGreaterThan(8000);
  });

  it('an access-number call is refused unanswered, then the caller is called back and keys in the destination', async () => {
    const s = sut();
    const [caller, b] = ['+12125550161', '+12125550162'];
    const account = (await store(s).accounts.findByName(DEMO.accountName))!;
    await store(s).callerIds.add({ accountId: account.id, number: caller as E164, allowAuthorization: true });
    // The IVR announces the balance, then asks for the destination; digits typed before it listens are lost, as on FreeSWITCH.
    // After the talk A is asked for the next number (C4); the caller hangs up instead.
    await s.setPhone(caller, { kind: 'answer', dtmf: [{ afterMs: 4500, digits: `${b.slice(1)}#` }], hangupAfterMs: 13_000 });
    await s.setPhone(b, { kind: 'answer', hangupAfterMs: 2500 });

    await s.callAccessNumber(caller, DEMO.accessNumber);

    const refused = await eventually('the access call to end', async () =>
      s.events.find((e) => e.headers.get('Event-Name') === 'CHANNEL_HANGUP_COMPLETE' && e.headers.get('Call-Direction') === 'inbound' && digits(e.headers.get('Caller-Destination-Number')) === digits(DEMO.accessNumber)),
    );
    expect(refused.headers.get('Hangup-Cause')).toBe('USER_BUSY');
    expect(refused.headers.get('Caller-Channel-Answered-Time')).toBe('0');
    // On FreeSWITCH it went through freeswitch-conf's access extension (the simulator has no dialplan).
    if (s.kind === 'freeswitch') expect(refused.headers.get('variable_callback_access_did')).toBe(digits(DEMO.accessNumber));
    const ordered = await eventually('the callback request', async () => (await store(s).callbackRequests.list({ accountId: account.id })).find((r) => r.source === caller));
    const done = await finished(s, ordered.id, 45_000);
    expect(done).toMatchObject({ state: 'completed', destination: b });
    const cdrs = await eventually('a CDR per leg', async () => {
      const found = await store(s).cdrs.listForRequest(done.id);
      return found.length >= 2 ? found : undefined;
    }, 15_000);
    expect(cdrs.map((c) => c.number).sort()).toEqual([caller, b].sort());
  });

  it('*1 hands B to fax reception: the fax is received and stored', async () => {
    const s = sut();
    const [a, b] = ['+12125550171', '+12125550172'];
    await s.setPhone(a, { kind: 'answer', dtmf: [{ afterMs: 1500, digits: '*1' }] });
    await s.setPhone(b, { kind: 'answer', fax: { pages: 1, durationMs: 8000 } });

    const done = await finished(s, await orderCallback(s, a, b), 90_000);

    expect(done.state).toBe('completed');
    const faxes = await eventually('the fax', async () => {
      const found = await store(s).faxes.listForRequest(done.id);
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(faxes).toHaveLength(1);
    expect(faxes[0]).toMatchObject({ status: 'received', pages: 1 });
    if (s.kind === 'freeswitch') expect(faxes[0]!.bytes).toBe(sizeOf(faxes[0]!.path));
  });

  it('*3 makes a three-way conference of A, B and C', async () => {
    const s = sut();
    const [a, b, c] = ['+12125550181', '+12125550182', '+12125550183'];
    await s.setPhone(a, { kind: 'answer', dtmf: [{ afterMs: 1500, digits: `*3${c.slice(1)}#` }], hangupAfterMs: 12_000 });
    await s.setPhone(b, { kind: 'answer' });
    await s.setPhone(c, { kind: 'answer', hangupAfterMs: 4000 });

    const id = await orderCallback(s, a, b);
    await eventually('the conference', async () => (await store(s).callbackRequests.findById(id))?.state === 'conference');
    const done = await finished(s, id);

    expect(done.state).toBe('completed');
    const legs = await store(s).legs.listForRequest(done.id);
    expect(legs.map((l) => l.role).sort()).toEqual(['A', 'B', 'C']);
    const cdrs = await eventually('a CDR per leg', async () => {
      const found = await store(s).cdrs.listForRequest(done.id);
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    expect(cdrs.map((cdr) => cdr.number).sort()).toEqual([a, b, c].sort());
  });
}

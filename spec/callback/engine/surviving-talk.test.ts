import { survivingTalk } from '../../../lib/callback/engine/adopted-talk';
import type { Leg } from '../../../lib/store/legs';

function row(uuid: string, role: 'A' | 'B', state: string, attempt = 1): Leg {
  return {
    id: 0,
    uuid,
    requestId: 'r',
    role,
    attempt,
    node: null,
    number: '+12025550101',
    callerId: null,
    state,
    createdAt: 0,
    answeredAt: null,
    endedAt: null,
    hangupCause: null,
    billsec: null,
    costMinor: null,
    reservedMinor: null,
    carrierId: null,
    carrierCostMinor: null,
    updatedAt: 0,
  };
}

const up = (...uuids: string[]) => uuids.map((uuid) => ({ uuid }));

describe('which legs of a lost request are a talk worth keeping', () => {
  it('keeps A and B of one attempt when both are up and were bridged', () => {
    expect(survivingTalk([row('a', 'A', 'bridged'), row('b', 'B', 'bridged')], up('a', 'b'))).toEqual(up('a', 'b'));
  });

  it('keeps nothing when either leg is gone', () => {
    expect(survivingTalk([row('a', 'A', 'bridged'), row('b', 'B', 'bridged')], up('a'))).toBeUndefined();
    expect(survivingTalk([row('a', 'A', 'bridged'), row('b', 'B', 'bridged')], up('b'))).toBeUndefined();
  });

  it('keeps nothing for legs up but never joined: B ringing, A ringing while B waits, both answered', () => {
    expect(survivingTalk([row('a', 'A', 'answered'), row('b', 'B', 'ringing')], up('a', 'b'))).toBeUndefined();
    expect(survivingTalk([row('a', 'A', 'ringing'), row('b', 'B', 'answered')], up('a', 'b'))).toBeUndefined();
    expect(survivingTalk([row('a', 'A', 'answered'), row('b', 'B', 'answered')], up('a', 'b'))).toBeUndefined();
  });

  it('pairs B with the A of its own attempt only', () => {
    const rows = [row('a1', 'A', 'bridged', 1), row('a2', 'A', 'bridged', 2), row('b2', 'B', 'bridged', 2)];
    expect(survivingTalk(rows, up('a1', 'a2', 'b2'))).toEqual(up('a2', 'b2'));
    expect(survivingTalk(rows, up('a1', 'b2'))).toBeUndefined();
  });
});

import fc from 'fast-check';
import { reconcile } from '../../lib/cdr';

const reported = { billsec: 42, hangupCause: 'NORMAL_CLEARING' };
const ended = { endedAt: 1_000, billsec: 42, hangupCause: 'NORMAL_CLEARING' };
const settledAlike = { billsec: 42, hangupCause: 'NORMAL_CLEARING', estimated: false };

describe('reconciling a FreeSWITCH CDR with our record of the leg', () => {
  it('keeps a CDR for a leg we never dialed and does nothing else', () => {
    expect(reconcile(reported, null, null)).toEqual({ action: 'unknown_leg' });
  });

  it('settles from the CDR a leg of ours that never recorded an end', () => {
    expect(reconcile(reported, { endedAt: null, billsec: null, hangupCause: null }, null)).toEqual({ action: 'settle' });
  });

  it('never settles a leg twice: a settled leg is compared even if its row has no end yet', () => {
    expect(reconcile(reported, { endedAt: null, billsec: null, hangupCause: null }, settledAlike)).toEqual({ action: 'agrees' });
  });

  it('finds agreement when billsec and cause match our settlement', () => {
    expect(reconcile(reported, ended, settledAlike)).toEqual({ action: 'agrees' });
  });

  it('names every field that differs, with both values, for a leg settled from what we saw', () => {
    expect(reconcile({ billsec: 50, hangupCause: 'ALLOTTED_TIMEOUT' }, ended, settledAlike)).toEqual({
      action: 'discrepancy',
      estimated: false,
      differences: [
        { field: 'billsec', ours: 42, freeswitch: 50 },
        { field: 'hangup_cause', ours: 'NORMAL_CLEARING', freeswitch: 'ALLOTTED_TIMEOUT' },
      ],
    });
  });

  it('corrects a leg settled from an estimate to the CDR, naming every field that differs', () => {
    expect(reconcile({ billsec: 50, hangupCause: 'ALLOTTED_TIMEOUT' }, ended, { ...settledAlike, estimated: true })).toEqual({
      action: 'correct',
      differences: [
        { field: 'billsec', ours: 42, freeswitch: 50 },
        { field: 'hangup_cause', ours: 'NORMAL_CLEARING', freeswitch: 'ALLOTTED_TIMEOUT' },
      ],
    });
  });

  it('compares with the leg row when the leg ended without a settled CDR', () => {
    expect(reconcile({ billsec: 41, hangupCause: 'NORMAL_CLEARING' }, ended, null)).toMatchObject({ action: 'discrepancy', differences: [{ field: 'billsec', ours: 42, freeswitch: 41 }] });
  });

  it('agrees exactly when nothing differs, and corrects exactly the estimates that differ, for any values (property)', () => {
    const cause = fc.constantFrom('NORMAL_CLEARING', 'USER_BUSY', 'ALLOTTED_TIMEOUT', 'NO_ANSWER');
    fc.assert(
      fc.property(fc.nat(100_000), cause, fc.nat(100_000), cause, fc.boolean(), (ourSec, ourCause, theirSec, theirCause, estimated) => {
        const decision = reconcile({ billsec: theirSec, hangupCause: theirCause }, null, { billsec: ourSec, hangupCause: ourCause, estimated });
        const same = ourSec === theirSec && ourCause === theirCause;
        expect(decision.action).toBe(same ? 'agrees' : estimated ? 'correct' : 'discrepancy');
        if (decision.action === 'discrepancy' || decision.action === 'correct') expect(decision.differences.length).toBe(Number(ourSec !== theirSec) + Number(ourCause !== theirCause));
      }),
    );
  });
});

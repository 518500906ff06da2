import { inlineDialplan, TEST_FAX_PAGE, worldEntries } from './support/world-phones';

/** The test carrier's phones: the simulator's behaviours as FreeSWITCH inline dialplans. */
describe('world phones (inline dialplans of the test carrier)', () => {
  it('refuses as the simulator does: busy 486, unallocated 404, congestion 503, a cause as a hangup', () => {
    expect(inlineDialplan({ kind: 'busy' })).toBe('respond:486');
    expect(inlineDialplan({ kind: 'busy', afterMs: 800 })).toBe('sleep:800,respond:486');
    expect(inlineDialplan({ kind: 'unallocated' })).toBe('respond:404');
    expect(inlineDialplan({ kind: 'congestion' })).toBe('respond:503');
    expect(inlineDialplan({ kind: 'reject', cause: 'CALL_REJECTED' })).toBe('hangup:CALL_REJECTED');
    expect(inlineDialplan({ kind: 'no-answer' })).toMatch(/^ring_ready,sleep:\d+,hangup:NO_ANSWER$/);
  });

  it('puts key presses and the hang-up on one timeline from the answer, presses after the hang-up dropped', () => {
    expect(
      inlineDialplan({ kind: 'answer', ringing: true, afterMs: 500, dtmf: [{ afterMs: 3500, digits: '*9' }, { afterMs: 1500, digits: '*8' }, { afterMs: 9000, digits: '1' }], hangupAfterMs: 4500 }),
    ).toBe('ring_ready,sleep:500,answer,sleep:1500,send_dtmf:*8@100,sleep:2000,send_dtmf:*9@100,sleep:1000,hangup');
  });

  it('a fax machine sends the test page with txfax', () => {
    expect(inlineDialplan({ kind: 'answer', fax: { pages: 1 } })).toBe(`answer,txfax:${TEST_FAX_PAGE},hangup`);
  });

  it('a sequence gives each call its behaviour and repeats the last one', () => {
    expect(worldEntries('+12125550100', [{ kind: 'busy' }, { kind: 'answer', hangupAfterMs: 1000 }])).toEqual([
      { key: '12125550100-1', value: 'respond:486' },
      { key: '12125550100-2', value: 'answer,sleep:1000,hangup' },
      { key: '12125550100-last', value: 'answer,sleep:1000,hangup' },
    ]);
    expect(() => worldEntries('+12125550100', [])).toThrow(/at least one/);
  });
});

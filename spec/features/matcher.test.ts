import { DEFAULT_CODES, validateCodes, type CodeDefinition } from '../../lib/features/codes';
import { DtmfCodeMatcher, fit, type MatchResult } from '../../lib/features/matcher';
import { ManualClock } from '../../lib/time/clock';

const GAP = 1_500;

function rig(codes: readonly CodeDefinition[] = DEFAULT_CODES): { clock: ManualClock; matcher: DtmfCodeMatcher; results: MatchResult[]; press: (keys: string) => void } {
  const clock = new ManualClock();
  const results: MatchResult[] = [];
  const matcher = new DtmfCodeMatcher({ codes, clock, interDigitMs: GAP, onResult: (r) => results.push(r) });
  return { clock, matcher, results, press: (keys) => [...keys].forEach((key) => matcher.press(key)) };
}

const code = (feature: string, keys: string, args: string[] = []): MatchResult => ({ kind: 'code', feature, keys, args }) as MatchResult;

describe('fit', () => {
  it.each([
    ['#D', '#', 'prefix'],
    ['#D', '#4', 'exact'],
    ['#D', '#x', 'none'],
    ['#D', '#45', 'none'],
    ['##N#', '##', 'prefix'],
    ['##N#', '##123', 'prefix'],
    ['##N#', '##123#', 'exact'],
    ['##N#', '###', 'none'],
    ['##N#', '##12*', 'none'],
    ['##N#', `##${'1'.repeat(21)}`, 'none'],
    ['**', '*', 'prefix'],
    ['**', '**', 'exact'],
    ['**', '***', 'none'],
  ])('%s against %s is %s', (pattern, keys, status) => {
    expect(fit(pattern, keys).status).toBe(status);
  });

  it('collects the placeholders', () => {
    expect(fit('##N#', '##0049301234#')).toEqual({ status: 'exact', args: ['0049301234'] });
    expect(fit('#D', '#7')).toEqual({ status: 'exact', args: ['7'] });
  });
});

describe('DtmfCodeMatcher with the default codes', () => {
  it.each([
    ['**', code('new_number', '**')],
    ['*0', code('redial_now', '*0')],
    ['*1', code('fax', '*1')],
    ['*312025550303#', code('conference', '*312025550303#', ['12025550303'])],
    ['*8', code('record_start', '*8')],
    ['*9', code('record_stop', '*9')],
    ['#11', code('new_number', '#11')],
    ['#0', code('redial_later', '#0', ['0'])],
    ['#9', code('redial_later', '#9', ['9'])],
    ['##5551234#', code('consult', '##5551234#', ['5551234'])],
  ])('%s fires at once', (keys, expected) => {
    const r = rig();
    r.press(keys);
    expect(r.results).toEqual([expected]);
    expect(r.matcher.pending).toBe('');
  });

  it('#1 waits for the inter-digit timeout, since #11 continues it', async () => {
    const r = rig();
    r.press('#1');
    expect(r.results).toEqual([]);
    await r.clock.advance(GAP - 1);
    expect(r.results).toEqual([]);
    await r.clock.advance(1);
    expect(r.results).toEqual([code('redial_later', '#1', ['1'])]);
  });

  it('#1 then 1 within the timeout is #11, and nothing fires later', async () => {
    const r = rig();
    r.press('#1');
    await r.clock.advance(GAP - 1);
    r.press('1');
    expect(r.results).toEqual([code('new_number', '#11')]);
    await r.clock.advance(GAP * 3);
    expect(r.results).toHaveLength(1);
  });

  it('#1 then 1 after the timeout is #1 and a 1 for the other party', async () => {
    const r = rig();
    r.press('#1');
    await r.clock.advance(GAP);
    r.press('1');
    expect(r.results).toEqual([code('redial_later', '#1', ['1']), { kind: 'passthrough', digits: '1' }]);
  });

  it('#1 then a key that continues nothing fires #1 and takes the key afresh', () => {
    const r = rig();
    r.press('#15');
    expect(r.results).toEqual([code('redial_later', '#1', ['1']), { kind: 'passthrough', digits: '5' }]);
    r.results.length = 0;
    r.press('#1*8');
    expect(r.results).toEqual([code('redial_later', '#1', ['1']), code('record_start', '*8')]);
  });

  it('passes keys that start no code straight through', () => {
    const r = rig();
    r.press('123');
    expect(r.results).toEqual(['1', '2', '3'].map((digits) => ({ kind: 'passthrough', digits })));
  });

  it('a lone * or # passes through after the timeout', async () => {
    const r = rig();
    r.press('*');
    await r.clock.advance(GAP);
    r.press('#');
    await r.clock.advance(GAP);
    expect(r.results).toEqual([
      { kind: 'passthrough', digits: '*' },
      { kind: 'passthrough', digits: '#' },
    ]);
  });

  it('reports unknown codes and drops them', async () => {
    const r = rig();
    r.press('*5');
    r.press('###');
    r.press('##12*');
    r.press('***');
    expect(r.results).toEqual([
      { kind: 'unknown', digits: '*5' },
      { kind: 'unknown', digits: '###' },
      { kind: 'unknown', digits: '##12*' },
      code('new_number', '**'),
      // The third * starts over.
    ]);
    expect(r.matcher.pending).toBe('*');
    await r.clock.advance(GAP);
    expect(r.results.at(-1)).toEqual({ kind: 'passthrough', digits: '*' });
  });

  it('an unfinished code is unknown after the timeout', async () => {
    const r = rig();
    r.press('##555');
    await r.clock.advance(GAP);
    expect(r.results).toEqual([{ kind: 'unknown', digits: '##555' }]);
  });

  it('the timeout restarts with every key (a slow number is still a number)', async () => {
    const r = rig();
    for (const key of '##5551#') {
      r.matcher.press(key);
      await r.clock.advance(GAP - 1);
    }
    expect(r.results).toEqual([code('consult', '##5551#', ['5551'])]);
  });

  it('reset drops pending keys and their timer', async () => {
    const r = rig();
    r.press('#1');
    r.matcher.reset();
    await r.clock.advance(GAP * 2);
    expect(r.results).toEqual([]);
  });

  it('ignores what is not a key', () => {
    const r = rig();
    r.press('x');
    expect(r.results).toEqual([]);
  });
});

describe('code tables', () => {
  it('can be configured', () => {
    const r = rig([{ feature: 'record_start', keys: '#7' }]);
    r.press('#7*8');
    expect(r.results).toEqual([code('record_start', '#7'), { kind: 'passthrough', digits: '*' }, { kind: 'passthrough', digits: '8' }]);
  });

  it.each([
    [[{ feature: 'fax', keys: '5' }], /must start/],
    [[{ feature: 'fax', keys: '*x' }], /only/],
    [[{ feature: 'fax', keys: '#N' }], /N must be followed/],
    [
      [
        { feature: 'fax', keys: '*1' },
        { feature: 'conference', keys: '*1' },
      ],
      /twice/,
    ],
  ] as [CodeDefinition[], RegExp][])('rejects %j', (codes, error) => {
    expect(() => validateCodes(codes)).toThrow(error);
  });
});

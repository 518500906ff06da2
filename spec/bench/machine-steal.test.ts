import { parseProcStat } from '../../bench/machine-steal';

describe('parseProcStat', () => {
  it('reads steal and the total of the first eight counters from the all-cores line', () => {
    const text = ['cpu  100 5 50 800 10 1 4 30 7 0', 'cpu0 50 2 25 400 5 0 2 15 0 0', 'intr 1'].join('\n');
    expect(parseProcStat(text)).toEqual({ steal: 30, total: 1000 });
  });

  it('answers undefined for a text without the cpu line or with too few counters', () => {
    expect(parseProcStat('intr 1\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2 3 4 5 6 7 x\n')).toBeUndefined();
  });
});

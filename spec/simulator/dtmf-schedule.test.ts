import { DTMF_INTERVAL_MS, scheduleDigits } from '../../lib/simulator/dtmf-schedule';

const at = (presses: Parameters<typeof scheduleDigits>[0], interval = DTMF_INTERVAL_MS): string[] =>
  scheduleDigits(presses, interval).map((d) => `${d.digit}@${d.atMs}`);

describe('scheduleDigits', () => {
  it('spaces the digits of one entry, the first at its afterMs', () => {
    expect(at([{ afterMs: 2000, digits: '123#' }])).toEqual(['1@2000', '2@2400', '3@2800', '#@3200']);
  });

  it('queues an entry that starts while earlier digits are still going out (capture 06: *8 after 5)', () => {
    expect(at([{ afterMs: 4000, digits: '##5' }, { afterMs: 5000, digits: '*8' }])).toEqual(['#@4000', '#@4400', '5@4800', '*@5200', '8@5600']);
  });

  it('starts a later entry on time once the earlier one is out', () => {
    expect(at([{ afterMs: 1500, digits: '*8' }, { afterMs: 3500, digits: '*9' }])).toEqual(['*@1500', '8@1900', '*@3500', '9@3900']);
  });

  it('takes the entries in time order, whatever order the script lists them in', () => {
    expect(at([{ afterMs: 3500, digits: '*9' }, { afterMs: 1500, digits: '*8' }])).toEqual(['*@1500', '8@1900', '*@3500', '9@3900']);
  });

  it('sends every digit at once with an interval of 0', () => {
    expect(at([{ afterMs: 300, digits: '123#' }], 0)).toEqual(['1@300', '2@300', '3@300', '#@300']);
  });

  it('schedules nothing for an empty script', () => {
    expect(at([])).toEqual([]);
    expect(at([{ afterMs: 100, digits: '' }])).toEqual([]);
  });
});

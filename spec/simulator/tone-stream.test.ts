import { toneStreamMs } from '../../lib/simulator/tone-stream';

describe('toneStreamMs', () => {
  it.each([
    ['tone_stream://%(1000,4000,440)', 5000],
    ['tone_stream://%(500,500,1400);loops=2', 2000],
    ['tone_stream://%(250,250,425);loops=3', 1500],
    ['tone_stream://%(2000,4000,440,480);%(100,0,350)', 6100],
    ['tone_stream://%(1000,0,1004);loops=-1', Infinity],
    ['tone_stream://L=3;%(100,100,350)', 200],
  ])('%s plays %d ms', (file, ms) => {
    expect(toneStreamMs(file)).toBe(ms);
  });

  it.each([['tone_stream://v=-7;>=2;+=.1'], ['/usr/local/freeswitch/sounds/prompts/beep_record.wav'], ['silence_stream://500']])('%s has no cadence to go by', (file) => {
    expect(toneStreamMs(file)).toBeUndefined();
  });
});

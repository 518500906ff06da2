import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLUSH_RETRIES, FLUSH_RETRY_MS, measureRecording } from '../../lib/features/recording-file';
import { FREESWITCH_WAV, wavDurationMs, wavHeader } from '../../lib/features/wav';
import type { Clock } from '../../lib/time/clock';

/** A clock whose timers fire at once, after `onWait` has changed the file as FreeSWITCH would meanwhile. */
function flushingClock(onWait: (waits: number) => void): { clock: Clock; waits: number[] } {
  const waits: number[] = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout(callback, ms) {
      waits.push(ms);
      onWait(waits.length);
      callback();
      return { cancel: () => undefined };
    },
  };
  return { clock, waits };
}

const passThrough = (delay: Promise<void>): Promise<void> => delay;

describe('recording files (D7 *9)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-recfile-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads capture 11a's file as FreeSWITCH reported it: 48044 bytes are 3.00 s", () => {
    const header = wavHeader(48_000);
    expect(header).toHaveLength(44);
    expect(wavDurationMs(header, 48_044)).toBe(3_000);
    expect(wavDurationMs(wavHeader(48_640), 48_684)).toBe(3_040);
    expect(wavDurationMs(Buffer.from('not a wav file at all, no'), 100)).toBeUndefined();
    expect(wavDurationMs(wavHeader(0, { ...FREESWITCH_WAV, sampleRate: 16_000 }), 44 + 32_000)).toBe(1_000);
  });

  it('counts the samples from the size on disk while the header still says 0 (FreeSWITCH fills it in at close)', () => {
    expect(wavDurationMs(wavHeader(0), 44 + 16_000)).toBe(1_000);
  });

  it('stores the size and length once the file is flushed, looking again while it is only a header', async () => {
    const file = path.join(dir, 'a.wav');
    fs.writeFileSync(file, wavHeader(0));
    const { clock, waits } = flushingClock((n) => {
      if (n === 2) fs.writeFileSync(file, Buffer.concat([wavHeader(160_000), Buffer.alloc(160_000)]));
    });
    expect(await measureRecording(file, clock, passThrough)).toEqual({ bytes: 160_044, durationMs: 10_000 });
    expect(waits).toEqual([FLUSH_RETRY_MS, FLUSH_RETRY_MS]);
  });

  it('gives up after a few looks: bytes 0 and no length for a file that never came', async () => {
    const { clock, waits } = flushingClock(() => undefined);
    expect(await measureRecording(path.join(dir, 'missing.wav'), clock, passThrough)).toEqual({ bytes: 0, durationMs: undefined });
    expect(waits).toHaveLength(FLUSH_RETRIES);
  });
});

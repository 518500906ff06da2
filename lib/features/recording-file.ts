import { open } from 'node:fs/promises';
import type { Clock } from '../time/clock';
import { wavDurationMs } from './wav';

export interface RecordingMeasure {
  /** The file's size; 0 when it could not be read. */
  readonly bytes: number;
  /** The audio's length read from the file; undefined when it is not a readable WAV. */
  readonly durationMs: number | undefined;
}

/** FreeSWITCH closes the file after it answers `uuid_record … stop`: a few short looks cover the flush. */
export const FLUSH_RETRIES = 5;
export const FLUSH_RETRY_MS = 200;

/** How big and how long a stopped recording is, once the file holds more than its header (or after a few looks). */
export async function measureRecording(path: string, clock: Clock, wait: (delay: Promise<void>) => Promise<void>): Promise<RecordingMeasure> {
  let measure = await readMeasure(path);
  for (let attempt = 0; attempt < FLUSH_RETRIES && !hasSamples(measure); attempt += 1) {
    await wait(new Promise<void>((resolve) => clock.setTimeout(resolve, FLUSH_RETRY_MS)));
    measure = await readMeasure(path);
  }
  return measure;
}

const hasSamples = (measure: RecordingMeasure): boolean => measure.durationMs !== undefined && measure.durationMs > 0;

async function readMeasure(path: string): Promise<RecordingMeasure> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return { bytes: 0, durationMs: undefined };
  }
  try {
    const { size } = await file.stat();
    const head = Buffer.alloc(Math.min(size, 512));
    await file.read(head, 0, head.length, 0);
    return { bytes: size, durationMs: wavDurationMs(head, size) };
  } finally {
    await file.close();
  }
}

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Channel, RecordingRecord } from './channel';
import type { SwitchCore } from './core';
import { wavHeader } from '../features/wav';

/** RECORD_START; the recording lasts until stopped, the limit, or the end of the call. */
export function startRecording(core: SwitchCore, channel: Channel, path: string, via: RecordingRecord['via'], limitSeconds?: number): RecordingRecord {
  const recording: RecordingRecord = { path, via, startedAt: core.now() };
  channel.recordings.push(recording);
  core.emit('RECORD_START', channel, { 'Record-File-Path': path });
  if (limitSeconds !== undefined && limitSeconds > 0) {
    const timer = core.after(limitSeconds * 1000, () => {
      if (channel.up && recording.stoppedAt === undefined) stopRecording(core, channel, recording);
    });
    core.session(channel.uuid)?.hangupHooks.push(() => timer.cancel());
  }
  return recording;
}

/**
 * RECORD_STOP with the record_* variables. FreeSWITCH reports `success-maxtime` however the
 * recording stopped (capture README surprise 16).
 */
export function stopRecording(core: SwitchCore, channel: Channel, recording: RecordingRecord): void {
  if (recording.stoppedAt !== undefined) return;
  recording.stoppedAt = core.now();
  const ms = recording.stoppedAt - recording.startedAt;
  const samples = Math.round(ms * 8);
  writeRecordingFile(recording.path, samples * 2);
  channel.setVar('record_file_size', String(samples * 2 + 44));
  channel.setVar('record_samples', String(samples));
  channel.setVar('record_seconds', String(Math.floor(ms / 1000)));
  channel.setVar('record_ms', String(ms));
  channel.setVar('record_completion_cause', 'success-maxtime');
  core.emit('RECORD_STOP', channel, { 'Record-File-Path': recording.path, 'Record-Completion-Cause': 'success-maxtime' });
}

/** Stops the recordings of `path`, or all of them for `all` / no path. */
export function stopRecordings(core: SwitchCore, channel: Channel, path: string | undefined): number {
  const active = channel.recordings.filter((r) => r.stoppedAt === undefined && (path === undefined || path === 'all' || r.path === path));
  for (const recording of active) stopRecording(core, channel, recording);
  return active.length;
}

/**
 * FreeSWITCH leaves the file on its host: silence of the recorded length. A path it cannot write
 * (a test that only looks at the commands) leaves no file, as a full disk would.
 */
function writeRecordingFile(file: string, dataBytes: number): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.concat([wavHeader(dataBytes), Buffer.alloc(dataBytes)]));
  } catch {
    return;
  }
}

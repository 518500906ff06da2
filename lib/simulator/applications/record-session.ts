import { startRecording, stopRecordings } from '../recording';
import type { Application } from './types';

/** RECORD_START fires inside the execute (capture 11b); the recording outlives the application. */
export const recordSession: Application = {
  names: ['record_session'],
  async run({ core, channel, arg }) {
    const [path = '', limit] = arg.trim().split(/\s+/);
    if (path === '') return;
    if (channel.answerState === 'ringing') core.preAnswer(channel);
    startRecording(core, channel, path, 'record_session', limit === undefined ? undefined : Number(limit));
  },
};

export const stopRecordSession: Application = {
  names: ['stop_record_session'],
  async run({ core, channel, arg }) {
    stopRecordings(core, channel, arg.trim() || undefined);
  },
};

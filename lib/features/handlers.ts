import { CALLER_ID_POLICIES, type CallerIdPolicyName } from '../callback/engine/caller-ids';
import { placeOrder } from '../callback/engine/order';
import type { Talk } from '../callback/engine/flow';
import type { FeatureName } from './codes';
import { talkApi } from './talk-api';
import { ThreeWayConference } from './conference';
import { ReceiveFax } from './fax';
import { Consult, type ConsultationState } from './consult';
import { RedialNow } from './redial-now';
import { measureRecording } from './recording-file';

/** What every handler gets: the talk, the feature settings, and state shared across codes of one talk. */
export interface FeatureContext {
  readonly talk: Talk;
  readonly settings: FeatureSettings;
  /** The digits the code carried (`#D`: m; `##N#`: the number). */
  readonly args: readonly string[];
  readonly recording: RecordingState;
  readonly conference: ConferenceState;
  readonly consultation: ConsultationState;
  /**
   * Until the returned function is called, A's digits go to `listener` before the code matcher;
   * a digit it returns true for is its own (D1's keys while C is being consulted).
   */
  claimDigits(listener: (digit: string) => boolean): () => void;
}

/** One third party at a time (D6: at most three members; codes stop once the talk is a conference). */
export interface ConferenceState {
  started: boolean;
}

export interface FeatureSettings {
  /** Where `uuid_record` writes (on the FreeSWITCH host). */
  readonly recordingsDir: string;
  /** D3: what A hears before the call ends ("we will call you back"); null for none. */
  readonly redialConfirmPrompt: string | null;
  /** D5: where `rxfax` writes the TIFF (on the FreeSWITCH host, read here too: shared or the same host). */
  readonly faxDir: string;
  /** D5: what A hears before it is released ("your fax is being received"); null for none. */
  readonly faxPrompt: string | null;
  /** D5: a tiff2pdf-compatible converter (`<cmd> -o out.pdf in.tif`); null: TIFF only. */
  readonly faxToPdf: string | null;
  /** D6: the mod_conference profile of the three-way rooms. */
  readonly conferenceProfile: string;
  /** D1: what B hears while A consults a third party (a file or stream for uuid_broadcast); null: silence. */
  readonly consultHoldMusic: string | null;
}

/** One recording of the talk at a time (D7). */
export interface RecordingState {
  current: { readonly path: string; readonly startedAt: number } | undefined;
  count: number;
}

/** jambonz-style: one small class per code; `exec` runs it, `signal` aborts when the talk ends. */
export interface FeatureHandler {
  exec(ctx: FeatureContext, signal: AbortSignal): Promise<void>;
}

const isCallerIdPolicy = (value: string | null): value is CallerIdPolicyName => (CALLER_ID_POLICIES as readonly string[]).includes(value ?? '');


/** D2 `**`, D8 `#11`: end B and ask A for a new destination (decide: bridged → a_answered). */
export class NewNumber implements FeatureHandler {
  async exec({ talk }: FeatureContext): Promise<void> {
    await talk.send({ type: 'new_destination_requested' });
  }
}

/** D7 `*8`: record the talk (both parties, A's channel) with `uuid_record`. A second `*8` is ignored. */
export class RecordStart implements FeatureHandler {
  async exec({ talk, settings, recording }: FeatureContext): Promise<void> {
    if (recording.current) {
      talk.log.info('recording already running; *8 ignored', { path: recording.current.path });
      return;
    }
    recording.count += 1;
    const path = `${settings.recordingsDir.replace(/\/+$/, '')}/${talk.request.id}-${talk.legA.uuid}-${recording.count}.wav`;
    const current = { path, startedAt: talk.ctx.clock.now() };
    recording.current = current;
    if (!(await talkApi(talk, `uuid_record ${talk.legA.uuid} start ${path}`))) recording.current = undefined;
    else talk.log.info('recording started', { path });
  }
}

/** D7 `*9` (and the end of the talk): stop the recording and store its row. `*9` without one is ignored. */
export class RecordStop implements FeatureHandler {
  async exec({ talk, recording }: FeatureContext): Promise<void> {
    const current = recording.current;
    if (!current) {
      talk.log.info('no recording running; *9 ignored');
      return;
    }
    recording.current = undefined;
    // A gone already: FreeSWITCH closed the file at the hangup; the row is written all the same.
    await talkApi(talk, `uuid_record ${talk.legA.uuid} stop ${current.path}`);
    const { ctx } = talk;
    await ctx.work.run(async () => {
      // The file is read here: the controller shares the media root with FreeSWITCH (CALLBACK_MEDIA_ROOT).
      const measure = await measureRecording(current.path, ctx.clock, (delay) => ctx.work.waitFor(delay));
      if (measure.durationMs === undefined) talk.log.warn('recording file missing or not a WAV; stored with the talk clock', { path: current.path, bytes: measure.bytes });
      const row = await ctx.store.recordings.create({
        accountId: talk.request.accountId,
        requestId: talk.request.id,
        legUuid: talk.legA.uuid,
        path: current.path,
        bytes: measure.bytes,
        durationMs: measure.durationMs ?? Math.max(0, ctx.clock.now() - current.startedAt),
      });
      talk.log.info('recording stored', { recordingId: row.id, path: row.path, bytes: row.bytes, durationMs: row.durationMs });
    });
  }
}

/** D3 `#m`: the same pair again in m×10 minutes (`#0`: 5), a confirmation for A, then the call ends. */
export class RedialLater implements FeatureHandler {
  async exec({ talk, settings, args }: FeatureContext): Promise<void> {
    const m = Number(args[0] ?? '0');
    const delayMs = (m === 0 ? 5 : m * 10) * 60_000;
    const { request, legB, ctx } = talk;
    const { request: redial } = await placeOrder(ctx, {
      accountId: request.accountId,
      trigger: 'redial',
      source: request.source,
      destination: legB.number,
      mode: request.mode,
      dueAt: ctx.clock.now() + delayMs,
      ...(isCallerIdPolicy(request.callerIdPolicy) ? { callerIdPolicy: request.callerIdPolicy } : {}),
    });
    talk.log.info('redial scheduled', { redialRequestId: redial.id, dueAt: redial.dueAt, minutes: delayMs / 60_000 });
    if (settings.redialConfirmPrompt) await talk.legA.control.playDuringTalk(ctx.promptFile(settings.redialConfirmPrompt, ctx.settings.language));
    // A's hangup ends the talk the ordinary way: B is cleared, both legs settled, the request completed.
    await talk.legA.control.hangup('NORMAL_CLEARING');
  }
}

/** The handler for each feature implemented so far; the others are logged as unavailable. */
export const HANDLERS: { readonly [F in FeatureName]?: () => FeatureHandler } = {
  fax: () => new ReceiveFax(),
  conference: () => new ThreeWayConference(),
  new_number: () => new NewNumber(),
  record_start: () => new RecordStart(),
  record_stop: () => new RecordStop(),
  redial_later: () => new RedialLater(),
  redial_now: () => new RedialNow(),
  consult: () => new Consult(),
};

import type { Talk, TalkHook } from '../callback/engine/flow';
import { featuresSchema } from '../config/features-schema';
import type { CodeDefinition } from './codes';
import { HANDLERS, RecordStop, type ConferenceState, type FeatureContext, type FeatureHandler, type FeatureSettings, type RecordingState } from './handlers';
import { DtmfCodeMatcher, type MatchResult } from './matcher';
import { findOnPath, TIFF2PDF } from './pdf-converter';

export interface TalkFeaturesOptions extends Partial<FeatureSettings> {
  /** The code table (default: the configuration's, issue 6's). */
  readonly codes?: readonly CodeDefinition[];
  /** `#1` vs `#11` (default: the configuration's, 1.5 s). */
  readonly interDigitMs?: number;
}

/**
 * The engine's `onTalk` hook: for each talk, A's DTMF events from its outbound socket go through
 * a DtmfCodeMatcher; codes run their handler, other keys are re-sent to B (`uuid_send_dtmf`,
 * since `bridge_filter_dtmf` keeps FreeSWITCH from forwarding any), unknown codes are logged.
 */
export function talkFeatures(options: TalkFeaturesOptions = {}): TalkHook {
  // What is not given is what the configuration would default to (config/features-schema.ts).
  const defaults = featuresSchema.parse({});
  const codes = options.codes ?? defaults.codes;
  const settings: FeatureSettings = {
    recordingsDir: options.recordingsDir ?? '/var/lib/callback/recordings',
    redialConfirmPrompt: options.redialConfirmPrompt === undefined ? defaults.redialConfirmPrompt : options.redialConfirmPrompt,
    faxDir: options.faxDir ?? '/var/lib/callback/faxes',
    faxPrompt: options.faxPrompt === undefined ? defaults.faxPrompt : options.faxPrompt,
    // Optional at run time: detected once, never required.
    faxToPdf: options.faxToPdf === undefined ? findOnPath(TIFF2PDF) : options.faxToPdf,
    conferenceProfile: options.conferenceProfile ?? defaults.conferenceProfile,
    consultHoldMusic: options.consultHoldMusic ?? null,
  };
  return (talk) => attach(talk, codes, settings, options.interDigitMs ?? defaults.interDigitMs);
}

function attach(talk: Talk, codes: readonly CodeDefinition[], settings: FeatureSettings, interDigitMs: number): void {
  const { session, ended } = talk;
  if (!session) {
    talk.log.info('no socket on leg A (simultaneous mode): in-call codes are not available');
    return;
  }
  const recording: RecordingState = { current: undefined, count: 0 };
  const conference: ConferenceState = { started: false };
  const consultation = { active: false };
  let claim: ((digit: string) => boolean) | undefined;
  const claimDigits = (listener: (digit: string) => boolean): (() => void) => {
    claim = listener;
    return () => {
      if (claim === listener) claim = undefined;
    };
  };
  const context = (args: readonly string[]): FeatureContext => ({ talk, settings, args, recording, conference, consultation, claimDigits });
  const run = (what: string, work: () => Promise<void>): void => {
    talk.ctx.work.track(work().catch((error: unknown) => talk.log.error('in-call feature failed', { what, error: error instanceof Error ? error.message : String(error) })));
  };

  const onResult = (result: MatchResult): void => {
    if (ended.aborted) return;
    switch (result.kind) {
      case 'passthrough':
        run('passthrough', async () => {
          await talk.ctx.telephony.api(talk.legB.node ?? talk.legA.node, `uuid_send_dtmf ${talk.legB.uuid} ${result.digits}`).catch(() => undefined);
        });
        return;
      case 'unknown':
        talk.log.info('unknown in-call code ignored', { digits: result.digits });
        return;
      case 'code': {
        const make = HANDLERS[result.feature];
        if (!make) {
          talk.log.warn('in-call code not available', { feature: result.feature, digits: result.keys });
          return;
        }
        talk.log.info('in-call code', { feature: result.feature, digits: result.keys });
        run(result.feature, () => make().exec(context(result.args), ended));
        return;
      }
    }
  };

  const matcher = new DtmfCodeMatcher({ codes, clock: talk.ctx.clock, interDigitMs, onResult });
  const off = session.onDtmf((digit) => {
    if (ended.aborted || claim?.(digit)) return;
    matcher.press(digit);
  });
  ended.addEventListener(
    'abort',
    () => {
      off();
      matcher.reset();
      // A recording outlives the bridge on A's channel: stop it and store it with the talk.
      if (recording.current) {
        const stop: FeatureHandler = new RecordStop();
        run('record_stop at talk end', () => stop.exec(context([]), ended));
      }
    },
    { once: true },
  );
}

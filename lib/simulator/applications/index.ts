import { answer, preAnswer, ringReady } from './answer';
import { attXfer } from './att-xfer';
import { bindMetaApp, unbindMetaApp } from './bind-meta-app';
import { bridge } from './bridge';
import { conference } from './conference';
import { faxDetect } from './fax-detect';
import { hangup, respond, schedHangup } from './hangup';
import { noop } from './noop';
import { park } from './park';
import { playAndGetDigits, read } from './play-and-get-digits';
import { playback } from './playback';
import { recordSession, stopRecordSession } from './record-session';
import { rxfax } from './rxfax';
import { say } from './say';
import { sendDtmf } from './send-dtmf';
import { sleep } from './sleep';
import { socket } from './socket';
import type { Application } from './types';
import { exportVar, set, unset } from './variables';

const ALL: readonly Application[] = [
  answer,
  preAnswer,
  ringReady,
  attXfer,
  bindMetaApp,
  unbindMetaApp,
  bridge,
  conference,
  faxDetect,
  hangup,
  respond,
  schedHangup,
  noop,
  park,
  playAndGetDigits,
  read,
  playback,
  recordSession,
  stopRecordSession,
  rxfax,
  say,
  sendDtmf,
  sleep,
  socket,
  set,
  exportVar,
  unset,
];

/** The dialplan applications the simulator knows, by name. */
export const APPLICATIONS: ReadonlyMap<string, Application> = new Map(ALL.flatMap((app) => app.names.map((name) => [name, app] as const)));

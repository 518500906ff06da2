import { parseHangupCause } from '../esl/hangup-causes';
import { originateApi } from './api-originate';
import { scheduleHangup } from './applications/hangup';
import { conferenceApi } from './api-conference';
import { hostnameApi, showApi, statusApi, versionApi } from './api-status';
import { uuidBridgeApi, uuidTransferApi } from './api-transfer';
import { splitArgs as words } from './dial-string';
import type { SwitchCore } from './core';
import { startRecording, stopRecordings } from './recording';
import type { Session } from './session';

/** An api command's output; `after` runs once the output has reached the client. */
export interface ApiResult {
  readonly body: string;
  readonly after?: () => void;
}

type ApiHandler = (core: SwitchCore, args: string) => string | ApiResult | Promise<string | ApiResult>;

/** What each command answers for a uuid that is no channel here (mod_commands words it per command). */
const NO_SUCH_CHANNEL = '-ERR No such channel!\n';
const CANNOT_LOCATE_SESSION = '-ERR Cannot locate session!\n';
const INVALID_UUID = '-ERR invalid uuid\n';
const BARE_ERROR = '-ERROR\n';

/** Runs `action` on the session named by the first word, or answers `unknown` (FreeSWITCH's "No such channel!" unless told). */
function onSession(core: SwitchCore, args: string, action: (session: Session, rest: string[]) => string, unknown = NO_SUCH_CHANNEL): string {
  const [uuid = '', ...rest] = words(args);
  const session = core.session(uuid);
  return session ? action(session, rest) : unknown;
}

const COMMANDS: Record<string, ApiHandler> = {
  originate: originateApi,
  uuid_bridge: uuidBridgeApi,
  uuid_transfer: uuidTransferApi,
  show: showApi,
  status: statusApi,
  version: versionApi,
  hostname: hostnameApi,
  conference: conferenceApi,
  uuid_exists: (core, args) => (core.session(words(args)[0] ?? '') ? 'true' : 'false'),
  uuid_kill: (core, args) =>
    onSession(core, args, (session, [cause]) => {
      core.hangup(session.channel, parseHangupCause(cause ?? 'NORMAL_CLEARING') ?? 'NORMAL_CLEARING');
      return '+OK\n';
    }),
  uuid_answer: (core, args) =>
    onSession(
      core,
      args,
      (session) => {
        core.answer(session.channel);
        return '+OK\n';
      },
      BARE_ERROR,
    ),
  uuid_park: (core, args) =>
    onSession(core, args, (session) => {
      core.releaseFromBridge(session.channel);
      void session.transferTo([{ app: 'park', arg: '' }]);
      return '+OK\n';
    }),
  // `all` also drops the messages queued on the channel (switch_core_session_flush_private_events).
  uuid_break: (core, args) =>
    onSession(core, args, (session, [scope]) => {
      if (scope === 'all') session.flushQueue();
      session.breakCurrent();
      return '+OK\n';
    }),
  uuid_setvar: (core, args) => {
    const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/s.exec(args);
    if (!match) return '-USAGE: <uuid> <var> [value]\n';
    const session = core.session(match[1] as string);
    if (!session) return NO_SUCH_CHANNEL;
    session.channel.setVar(match[2] as string, match[3]);
    return '+OK\n';
  },
  uuid_getvar: (core, args) => onSession(core, args, (session, [name = '']) => session.channel.getVar(name) ?? '_undef_'),
  uuid_send_dtmf: (core, args) =>
    onSession(
      core,
      args,
      (session, [digits = '']) => {
        core.sendDigitsToPhone(session.channel, digits.split('@')[0] ?? '');
        return `+OK ${session.channel.uuid} sent DTMF ${digits}.\n`;
      },
      CANNOT_LOCATE_SESSION,
    ),
  uuid_record: (core, args) =>
    onSession(
      core,
      args,
      (session, [action = '', path, limit]) => {
        if (action === 'start' && path) startRecording(core, session.channel, path, 'uuid_record', limit === undefined ? undefined : Number(limit));
        else if (action === 'stop') stopRecordings(core, session.channel, path);
        else if (action !== 'mask' && action !== 'unmask') return '-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>]\n';
        return '+OK Success\n';
      },
      CANNOT_LOCATE_SESSION,
    ),
  uuid_broadcast: (core, args) => uuidBroadcast(core, args),
  // `sched_hangup [+]<time> <uuid> [<cause>]`: time first; this reply's "Such Channel" is capitalised.
  sched_hangup: (core, args) => {
    const [when = '', uuid = '', cause] = words(args);
    if (when === '') return '-USAGE: [+]<time> <uuid> [<cause>]\n';
    const session = core.session(uuid);
    if (!session) return '-ERR No Such Channel!\n';
    return scheduleHangup(core, session, when, cause) ? '+OK\n' : '-USAGE: [+]<time> <uuid> [<cause>]\n';
  },
  hupall: (core, args) => {
    const [causeWord, variable, value] = words(args);
    const cause = parseHangupCause(causeWord ?? 'MANAGER_REQUEST') ?? 'MANAGER_REQUEST';
    for (const session of core.sessions()) {
      if (variable === undefined || session.channel.getVar(variable) === value) core.hangup(session.channel, cause);
    }
    return `+OK hangup all channels with cause ${cause}\n`;
  },
};

/** `uuid_broadcast <uuid> <path|app::args> [aleg|bleg|both]`: queued like a sendmsg (captures 12b, 12b2). */
function uuidBroadcast(core: SwitchCore, args: string): string {
  const all = words(args);
  const [uuid = ''] = all;
  const session = core.session(uuid);
  if (!session) return INVALID_UUID;
  const legWord = all.length > 2 && /^(aleg|bleg|holdb|both)$/.test(all[all.length - 1] ?? '') ? (all.pop() as string) : 'aleg';
  const what = all.slice(1).join(' ');
  if (what === '') return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
  const sep = what.indexOf('::');
  const [app, arg] = sep < 0 ? ['playback', what] : [what.slice(0, sep), what.slice(sep + 2)];
  const peer = session.channel.bridgedTo === undefined ? undefined : core.session(session.channel.bridgedTo);
  const targets = legWord === 'both' ? [session, peer] : legWord === 'bleg' ? [peer] : [session];
  for (const target of targets) target?.enqueue({ kind: 'execute', app, arg });
  return '+OK Message sent\n';
}

/** `api`/`bgapi`: the command's output, `-ERR <cmd> Command not found!` for unknown ones (capture 01). */
export async function runApi(core: SwitchCore, line: string): Promise<ApiResult> {
  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  const command = space < 0 ? trimmed : trimmed.slice(0, space);
  const args = space < 0 ? '' : trimmed.slice(space + 1).trim();
  const handler = COMMANDS[command.toLowerCase()];
  if (!handler) return { body: `-ERR ${command} Command not found!\n` };
  try {
    const result = await handler(core, args);
    const outcome = typeof result === 'string' ? { body: result } : result;
    return outcome.body === '' ? { ...outcome, body: '-ERR no reply\n' } : outcome;
  } catch (error) {
    core.logger.error(`simulator: api ${command} failed: ${(error as Error).stack ?? String(error)}`);
    return { body: `-ERR ${(error as Error).message}\n` };
  }
}

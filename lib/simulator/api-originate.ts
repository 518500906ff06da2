import type { ApiResult } from './api-commands';
import type { SwitchCore } from './core';
import { parseApplication, parseDialString, parseSocketArg, splitArgs } from './dial-string';
import { connectTcp } from './net-util';
import { enterDialplan, originate } from './originate';

const USAGE = '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';

/**
 * `originate <dialstring> <&app(args)|exten> [dialplan] [context] [cid_name] [cid_num] [timeout]`.
 * The result is `+OK <uuid>` once the far end answered; the leg's application starts after the
 * result is out. For `&socket(…)` the TCP connection is opened first, which is why the socket
 * connects before a bgapi's BACKGROUND_JOB arrives (capture 05, ESL-NOTES §9), unless the
 * `originateSocket` race is set the other way; the `originatedApplication` race starts the
 * application before the result instead (06).
 */
export async function originateApi(core: SwitchCore, args: string): Promise<ApiResult> {
  const argv = splitArgs(args);
  const [dial, exten, , , cidName, cidNumber, timeout] = argv;
  if (dial === undefined || exten === undefined) return { body: USAGE };
  const target = parseDialString(dial);
  const app = parseApplication(exten);
  if (!target.ok || !app.ok) {
    core.logger.info(`simulator: originate refused: ${target.ok ? (app.ok ? '' : app.error) : target.error}`);
    return { body: '-ERR INVALID_URL\n' };
  }
  const timeoutSec = timeout === undefined ? undefined : Number(timeout);
  const result = await originate(core, {
    target: target.value,
    timeoutSec: timeoutSec !== undefined && Number.isFinite(timeoutSec) && timeoutSec > 0 ? timeoutSec : undefined,
    callerIdName: cidName,
    callerIdNumber: cidNumber,
  });
  if (!result.ok) return { body: `-ERR ${result.cause}\n` };
  const session = result.session;
  enterDialplan(session.channel);
  if (app.value.app.toLowerCase() === 'socket' && core.config.races.originateSocket === 'socket-first' && !session.farEnd?.socketLost) {
    const socket = parseSocketArg(app.value.arg);
    if (socket.ok) session.preconnected = await connectTcp(socket.value.host, socket.value.port);
  }
  const start = (): void => void session.run([{ app: app.value.app, arg: app.value.arg }]);
  if (core.config.races.originatedApplication === 'before-result') {
    start();
    return { body: `+OK ${session.channel.uuid}\n` };
  }
  return { body: `+OK ${session.channel.uuid}\n`, after: start };
}

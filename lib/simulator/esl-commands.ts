import { randomUUID } from 'node:crypto';
import { encodeApiResponse, encodeCommandReply } from '../esl/wire';
import { runApi } from './api-commands';
import { splitArgs } from './dial-string';
import type { EslConnection, ParsedCommand } from './esl-connection';
import { parseSendmsg } from './sendmsg';
import { parseEventCommand } from './subscription';

export type CommandHandler = (connection: EslConnection, command: ParsedCommand) => void | Promise<void>;

/** Runs inline on the listener: nothing else is delivered on this connection until it returns. */
const api: CommandHandler = async (connection, { rest }) => {
  await connection.holdingEvents(async () => {
    const result = await runApi(connection.core, rest);
    return { frame: encodeApiResponse(result.body), after: result.after };
  });
};

/** `+OK Job-UUID` at once (honouring a Job-UUID header), BACKGROUND_JOB with the output later. */
const bgapi: CommandHandler = (connection, { rest, frame }) => {
  const core = connection.core;
  const jobUuid = frame.headers.get('Job-UUID')?.trim() || randomUUID();
  connection.reply(`+OK Job-UUID: ${jobUuid}`, { 'Job-UUID': jobUuid });
  const space = rest.search(/\s/);
  const command = space < 0 ? rest : rest.slice(0, space);
  const args = space < 0 ? '' : rest.slice(space + 1);
  const owner = connection.kind === 'outbound' ? connection.sessionUuid : undefined;
  void runApi(core, rest).then((result) => {
    const values = { 'Job-UUID': jobUuid, 'Job-Owner-UUID': owner, 'Job-Command': command, 'Job-Command-Arg': args };
    core.emit('BACKGROUND_JOB', undefined, values, { body: result.body });
    result.after?.();
  });
};

const event: CommandHandler = (connection, { rest }) => {
  const parsed = parseEventCommand(splitArgs(rest));
  if (parsed.format === 'xml') {
    connection.reply('-ERR xml events are not modelled by the simulator');
    return;
  }
  if (parsed.names.length === 0) {
    connection.reply('-ERR no keywords supplied');
    return;
  }
  if (parsed.format) connection.subscription.format = parsed.format;
  connection.subscription.subscribe(parsed.names, parsed.subclasses);
  connection.reply(`+OK event listener enabled ${connection.subscription.format}`);
};

const nixevent: CommandHandler = (connection, { rest }) => {
  const parsed = parseEventCommand(splitArgs(rest));
  if (parsed.names.length === 0) {
    connection.reply('-ERR no keywords supplied');
    return;
  }
  connection.subscription.nix(parsed.names, parsed.subclasses);
  connection.reply('+OK events nixed');
};

const noevents: CommandHandler = (connection) => {
  connection.reply(connection.subscription.clear() ? '+OK no longer listening for events' : '-ERR not listening for events');
};

/** `filter <H> <v>`, `filter delete <H> [v]`, `filter delete all`. */
const filter: CommandHandler = (connection, { rest }) => {
  const [first = '', ...others] = splitArgs(rest);
  if (first.toLowerCase() === 'delete') {
    const [header, ...value] = others;
    if (header === undefined) {
      connection.reply('-ERR invalid syntax');
      return;
    }
    const joined = value.length > 0 ? value.join(' ') : undefined;
    connection.subscription.deleteFilter(header, joined);
    connection.reply(`+OK filter deleted. [${header}][${joined ?? ''}]`);
    return;
  }
  if (first === '' || others.length === 0) {
    connection.reply('-ERR invalid syntax');
    return;
  }
  const value = others.join(' ');
  connection.subscription.addFilter(first, value);
  connection.reply(`+OK filter added. [${first}]=[${value}]`);
};

/**
 * `sendmsg [uuid]`: queued with `+OK` at once, except on a static outbound socket's own session,
 * where the application runs inline and `+OK` follows it (ESL-NOTES §3).
 */
const sendmsg: CommandHandler = async (connection, { rest, frame }) => {
  const uuid = rest.split(/\s+/)[0] || frame.headers.get('session-id') || connection.sessionUuid;
  const session = uuid === undefined ? undefined : connection.core.session(uuid);
  if (!session) {
    connection.reply(`-ERR invalid session id [${uuid ?? ''}]`);
    return;
  }
  const parsed = parseSendmsg(frame);
  if (parsed.kind === 'ignored') {
    connection.core.logger.info(`simulator: sendmsg call-command ${JSON.stringify(parsed.command)} is not modelled`);
    connection.reply('+OK');
    return;
  }
  if (connection.runsInline(session) && !parsed.async) {
    await connection.holdingEvents(
      () =>
        new Promise((resolve) => {
          session.enqueue({ ...parsed.message, done: () => resolve({ frame: encodeCommandReply('+OK') }) });
        }),
    );
    return;
  }
  connection.reply('+OK');
  session.enqueue(parsed.message);
};

/** `sendevent NAME` + headers (+ body): fired to every listener. */
const sendevent: CommandHandler = (connection, { rest, frame }) => {
  const name = (rest.split(/\s+/)[0] ?? '').toUpperCase() || 'CUSTOM';
  const eventUuid = randomUUID();
  const headers = frame.headers.entries().filter(([header]) => header.toLowerCase() !== 'content-length');
  connection.core.fire(connection.core.factory.custom(name, [...headers, ['Event-UUID', eventUuid]], frame.body?.toString('utf8')));
  connection.reply(`+OK ${eventUuid}`);
};

const log: CommandHandler = (connection, { rest }) => {
  const level = rest.trim() || 'debug';
  connection.reply(`+OK log level ${level} [7]`);
};

const exit: CommandHandler = (connection) => {
  connection.reply('+OK bye');
  connection.close(connection.disconnectNotice());
};

/** Commands that behave the same on inbound and outbound connections. */
export const SHARED_COMMANDS: Readonly<Record<string, CommandHandler>> = {
  api,
  bgapi,
  event,
  nixevent,
  noevents,
  filter,
  sendmsg,
  sendevent,
  log,
  nolog: (connection) => connection.reply('+OK no longer logging'),
  exit,
};

import { EslCommandFailed } from './errors';

/**
 * FreeSWITCH has no single reply for "that uuid is not a channel here": each `uuid_*` command of
 * mod_commands words it its own way (the text after `-ERR `, or the whole line for `-ERROR`).
 */
const UNKNOWN_CHANNEL_REPLIES: Readonly<Record<string, RegExp>> = {
  uuid_record: /^Cannot locate session!?$/i,
  uuid_send_dtmf: /^Cannot locate session!?$/i,
  uuid_broadcast: /^invalid uuid$/i,
  uuid_bridge: /^Invalid uuid$/i,
  // uuid_answer, uuid_pre_answer and uuid_early_ok answer a bare `-ERROR`.
  uuid_answer: /^-ERROR$/,
  uuid_pre_answer: /^-ERROR$/,
  uuid_early_ok: /^-ERROR$/,
};

/** uuid_kill, uuid_break, uuid_setvar, uuid_transfer, sched_hangup, … (capitalised or not). */
const NO_SUCH_CHANNEL = /^No such channel!?$/i;

/** Whether FreeSWITCH refused `command` because its uuid names no channel on that node. */
export function isUnknownChannelReply(command: string, replyText: string): boolean {
  const text = replyText.trim();
  return NO_SUCH_CHANNEL.test(text) || (UNKNOWN_CHANNEL_REPLIES[command.toLowerCase()]?.test(text) ?? false);
}

/** An api command's failure that only says the channel is gone (or never was on that node). */
export function isUnknownChannelError(error: unknown): boolean {
  return error instanceof EslCommandFailed && isUnknownChannelReply(error.command, error.replyText);
}

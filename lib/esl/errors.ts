import type { HangupCause } from './hangup-causes';

export { EslProtocolError, EslCommandInjectionError } from './wire';

/**
 * Why a call's control ended: FreeSWITCH reported the hangup, our socket to it closed (TCP reset,
 * FreeSWITCH restart), or the socket application ended while the channel lives on (uuid_transfer,
 * att_xfer's re-bridge: captures 12c/12d2).
 */
export type CallEndReason = 'hangup' | 'disconnected' | 'control-released';

/** A call step could not run or finish because the call is over (or no longer ours). */
export class CallEnded extends Error {
  readonly uuid: string;
  readonly reason: CallEndReason;
  /** The channel's hangup cause when FreeSWITCH told us; unknown after a bare disconnect. */
  readonly hangupCause: HangupCause | undefined;
  /** The step that was waiting, for logs. */
  readonly step: string | undefined;

  constructor(details: { uuid: string; reason: CallEndReason; hangupCause?: HangupCause; step?: string }, options?: ErrorOptions) {
    const cause = details.hangupCause ? ` (${details.hangupCause})` : '';
    const step = details.step ? `${details.step}: ` : '';
    super(`${step}call ${details.uuid} ended: ${details.reason}${cause}`, options);
    this.name = 'CallEnded';
    this.uuid = details.uuid;
    this.reason = details.reason;
    this.hangupCause = details.hangupCause;
    this.step = details.step;
  }
}

/** The ESL connection closed before the command (or background job) got its answer. */
export class EslDisconnected extends Error {
  readonly peer: string;
  readonly command: string | undefined;

  constructor(peer: string, command?: string, options?: ErrorOptions) {
    super(command ? `ESL connection ${peer} closed before "${command}" completed` : `ESL connection ${peer} is not connected`, options);
    this.name = 'EslDisconnected';
    this.peer = peer;
    this.command = command;
  }
}

/** No answer in time; `command` says which (the first word is enough to find it in logs). */
export class EslTimeout extends Error {
  readonly command: string;
  readonly timeoutMs: number;

  constructor(command: string, timeoutMs: number) {
    super(`ESL "${command}" got no answer within ${timeoutMs} ms`);
    this.name = 'EslTimeout';
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * FreeSWITCH answered `-ERR …`. For originate and other call commands the text is often a hangup
 * cause (`-ERR USER_BUSY`), exposed typed so retry policy need not parse strings.
 */
export class EslCommandFailed extends Error {
  readonly command: string;
  /** The text after `-ERR ` (or the whole reply when it did not start that way). */
  readonly replyText: string;
  readonly hangupCause: HangupCause | undefined;

  constructor(command: string, replyText: string, hangupCause?: HangupCause) {
    super(`ESL "${command}" failed: ${replyText}`);
    this.name = 'EslCommandFailed';
    this.command = command;
    this.replyText = replyText;
    this.hangupCause = hangupCause;
  }
}

export class EslAuthFailed extends Error {
  readonly peer: string;

  constructor(peer: string, replyText: string) {
    super(`ESL authentication to ${peer} refused: ${replyText}`);
    this.name = 'EslAuthFailed';
    this.peer = peer;
  }
}

/** A value that would change the meaning of a dial string or an application argument. */
export class EslInvalidArgument extends Error {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(`invalid ${field}: ${reason}`);
    this.name = 'EslInvalidArgument';
    this.field = field;
  }
}

/** Every node is down, full, or over its calls-per-second budget. */
export class NoCapacity extends Error {
  readonly nodes: ReadonlyArray<{ name: string; reason: string }>;

  constructor(nodes: ReadonlyArray<{ name: string; reason: string }>) {
    super(`no FreeSWITCH node can take a call: ${nodes.map((n) => `${n.name} ${n.reason}`).join(', ') || 'no nodes'}`);
    this.name = 'NoCapacity';
    this.nodes = nodes;
  }
}

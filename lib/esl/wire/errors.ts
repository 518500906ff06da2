import type { EslFrame } from './frame-parser';

/** The peer sent bytes that are not an ESL frame; the connection that carried them is closed. */
export class EslProtocolError extends Error {
  /**
   * Whole frames that arrived in the same read before the bad bytes. They are as valid as if TCP
   * had delivered them in a read of their own, so they are handed on before the connection closes.
   */
  framesBefore: EslFrame[] = [];

  constructor(message: string) {
    super(message);
    this.name = 'EslProtocolError';
  }
}

/** A command we were about to send would have been split or extended on the wire. */
export class EslCommandInjectionError extends Error {
  constructor(readonly part: string) {
    super(`refusing to send an ESL command whose ${part} contains a line break or NUL`);
    this.name = 'EslCommandInjectionError';
  }
}

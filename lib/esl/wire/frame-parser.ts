import { EslProtocolError } from './errors';
import { EslHeaders } from './headers';

/** One ESL frame: a header block and, when it had a Content-Length, exactly that many bytes. */
export interface EslFrame {
  /** The first line when parsing commands sent to FreeSWITCH (`api status`, `sendmsg <uuid>`). */
  command?: string;
  /** Raw header values: whether a value is URL-encoded depends on the message (see message.ts). */
  headers: EslHeaders;
  body?: Buffer;
}

export interface FrameParserOptions {
  /** Parse what a client sends to FreeSWITCH: a command line first, `\r\n` accepted (FreeSWITCH ignores `\r`). */
  commands?: boolean;
  /** FreeSWITCH refuses bodies above 16 MiB; so do we, instead of buffering without bound. */
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
}

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;

/**
 * Incremental ESL framing, independent of any socket so it can be fed recorded captures, random
 * splits and garbage. Throws EslProtocolError on bytes that cannot be a frame; the caller closes
 * the connection, since nothing after a framing error can be trusted.
 */
export class FrameParser {
  private buffer: Buffer = EMPTY;
  private pending: { command?: string; headers: EslHeaders; length: number } | undefined;
  private readonly commands: boolean;
  private readonly maxBodyBytes: number;
  private readonly maxHeaderBytes: number;
  /** Set by the first framing error: nothing after it can be trusted, so every later push fails too. */
  private failure: EslProtocolError | undefined;

  constructor(options: FrameParserOptions = {}) {
    this.commands = options.commands ?? false;
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.maxHeaderBytes = options.maxHeaderBytes ?? 1024 * 1024;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * The frames completed by `chunk`. On bytes that cannot be a frame it throws EslProtocolError
   * with the frames completed before them in `framesBefore`, so that what is delivered never
   * depends on how TCP split the stream.
   */
  push(chunk: Buffer): EslFrame[] {
    if (this.failure) throw this.failure;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: EslFrame[] = [];
    try {
      for (;;) {
        const frame = this.pending ? this.takeBody(this.pending) : this.takeHeaders();
        if (!frame) break;
        frames.push(frame);
      }
      // An empty view of the last chunk would keep its whole allocation (64 KB at most) per idle connection.
      if (this.buffer.length === 0) this.buffer = EMPTY;
    } catch (error) {
      if (!(error instanceof EslProtocolError)) throw error;
      error.framesBefore = frames;
      this.failure = error;
      this.buffer = EMPTY;
      throw error;
    }
    return frames;
  }

  private takeHeaders(): EslFrame | undefined {
    // Blank lines between frames carry nothing (FreeSWITCH skips them too).
    let start = 0;
    while (start < this.buffer.length && (this.buffer[start] === LF || (this.commands && this.buffer[start] === CR))) start++;
    if (start > 0) this.buffer = this.buffer.subarray(start);
    const end = this.findBlankLine();
    if (end === undefined) {
      if (this.buffer.length > this.maxHeaderBytes) {
        throw new EslProtocolError(`header block longer than ${this.maxHeaderBytes} bytes without a blank line`);
      }
      return undefined;
    }
    const block = this.buffer.subarray(0, end.headerEnd).toString('utf8');
    this.buffer = this.buffer.subarray(end.bodyStart);
    const lines = block.split('\n').map((line) => (this.commands && line.endsWith('\r') ? line.slice(0, -1) : line));
    const command = this.commands ? lines.shift() : undefined;
    const headers = new EslHeaders();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new EslProtocolError(`header line without a name: ${JSON.stringify(line.slice(0, 80))}`);
      const value = line.charCodeAt(colon + 1) === 0x20 ? line.slice(colon + 2) : line.slice(colon + 1);
      headers.add(line.slice(0, colon), value);
    }
    const lengthText = headers.get('Content-Length');
    if (lengthText === undefined) return command === undefined ? { headers } : { command, headers };
    if (!/^\d{1,10}$/.test(lengthText.trim())) throw new EslProtocolError(`bad Content-Length ${JSON.stringify(lengthText)}`);
    const length = Number(lengthText.trim());
    if (length > this.maxBodyBytes) throw new EslProtocolError(`Content-Length ${length} above the ${this.maxBodyBytes}-byte limit`);
    this.pending = command === undefined ? { headers, length } : { command, headers, length };
    return this.takeBody(this.pending);
  }

  private takeBody(pending: { command?: string; headers: EslHeaders; length: number }): EslFrame | undefined {
    if (this.buffer.length < pending.length) return undefined;
    // Copy: the frame may outlive the chunk it came in, which node reuses.
    const body = Buffer.from(this.buffer.subarray(0, pending.length));
    this.buffer = this.buffer.subarray(pending.length);
    this.pending = undefined;
    const frame: EslFrame = { headers: pending.headers, body };
    if (pending.command !== undefined) frame.command = pending.command;
    return frame;
  }

  private findBlankLine(): { headerEnd: number; bodyStart: number } | undefined {
    const lf = this.buffer.indexOf('\n\n');
    if (!this.commands) return lf < 0 ? undefined : { headerEnd: lf, bodyStart: lf + 2 };
    const crlf = this.buffer.indexOf('\n\r\n');
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 3 };
    return lf < 0 ? undefined : { headerEnd: lf, bodyStart: lf + 2 };
  }
}

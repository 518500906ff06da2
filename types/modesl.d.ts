// modesl ships no types (ESL-NOTES §7.7); we only use its parser, as the benchmark baseline.
declare module 'modesl/lib/esl/Parser' {
  import type { EventEmitter } from 'node:events';
  class Parser {
    constructor(socket: EventEmitter);
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export = Parser;
}

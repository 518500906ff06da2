import { encodeEventFrame, type EslEvent, type EventFormat } from '../esl/wire';

/** A fired event's frame in each format, encoded once however many connections take it. */
export class EventFrames {
  private plain: Buffer | undefined;
  private json: Buffer | undefined;

  constructor(readonly event: EslEvent) {}

  frame(format: EventFormat): Buffer {
    if (format === 'json') return (this.json ??= encodeEventFrame(this.event, 'json'));
    return (this.plain ??= encodeEventFrame(this.event, 'plain'));
  }
}

import type { Logger } from '../log/logger';

/**
 * What was started, to be stopped in reverse order. A part that fails to stop is logged and the
 * rest still stop, so one stuck dependency cannot keep ports or pools open.
 */
export class StopStack {
  private readonly entries: Array<{ name: string; stop: () => Promise<void> }> = [];

  constructor(private readonly logger: Logger) {}

  push(name: string, stop: () => Promise<void>): void {
    this.entries.push({ name, stop });
  }

  async stopAll(): Promise<void> {
    for (const { name, stop } of this.entries.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        this.logger.error(`stopping ${name} failed`, { error });
      }
    }
  }
}

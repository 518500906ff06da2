import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { CommandTiming } from '../lib/esl/connection';
import { round } from './stats';

export interface WaitFigures {
  count: number;
  /** Waiting behind earlier commands for the connection, before being written. */
  queuedMs: { p50: number; p99: number; max: number };
  /** Written → reply read: the peer's work and both processes' event-loop turns. */
  wireMs: { p50: number; p99: number; max: number };
  /** Sum of the wire times: how long the connection was busy with this command, were they one at a time. */
  wireTotalS: number;
}

/**
 * Where the inbound connection's commands spend their time, by command. Kept in histograms
 * (outside the JS heap) so that recording 10,000 calls' commands does not count as their heap.
 */
export class CommandWaits {
  private readonly byLabel = new Map<string, { queued: RecordableHistogram; wire: RecordableHistogram }>();

  record(timing: CommandTiming): void {
    let entry = this.byLabel.get(timing.label);
    if (!entry) this.byLabel.set(timing.label, (entry = { queued: createHistogram(), wire: createHistogram() }));
    // A histogram takes integers ≥ 1: microseconds, plus one so that a 0 ms wait fits.
    entry.queued.record(Math.round(timing.queuedMs * 1000) + 1);
    entry.wire.record(Math.round(timing.wireMs * 1000) + 1);
  }

  figures(): Record<string, WaitFigures> {
    const ms = (histogram: RecordableHistogram): WaitFigures['queuedMs'] => {
      const of = (us: number): number => round((us - 1) / 1000, 1);
      return { p50: of(histogram.percentile(50)), p99: of(histogram.percentile(99)), max: of(histogram.max) };
    };
    return Object.fromEntries([...this.byLabel].map(([label, { queued, wire }]) => [label, { count: queued.count, queuedMs: ms(queued), wireMs: ms(wire), wireTotalS: round((wire.mean * wire.count - wire.count) / 1e6, 1) }]));
  }
}

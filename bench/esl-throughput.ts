import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ModeslParser from 'modesl/lib/esl/Parser';
import { FrameParser, interpretFrame } from '../lib/esl/wire';
import { repoRoot } from './repo-root';

/**
 * Scenario 1: events/s through our framing + decoding vs through bare modesl's parser, on the
 * same recorded FreeSWITCH byte stream, fed in the same chunk sizes, alternating runs so both
 * see the same machine noise.
 */
export interface ThroughputResult {
  scenario: 'esl-throughput';
  events: number;
  bytes: number;
  ours: { eventsPerSecond: number; msPerRun: number };
  modesl: { eventsPerSecond: number; msPerRun: number };
  ratio: number;
}

function capturesDir(): string {
  return join(repoRoot(), 'spec', 'fixtures', 'esl-captures');
}

/** The plain-event inbound streams of every capture, concatenated until there are `minEvents` events. */
export function recordedStream(minEvents: number): { stream: Buffer; events: number } {
  const dir = capturesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.inbound.rx') && !f.includes('json'));
  const pieces: Buffer[] = [];
  // Each stream starts with auth/request + replies; keep only whole event frames so both parsers see events.
  const eventsOnly = files.map((f) => extractEventFrames(readFileSync(join(dir, f))));
  let events = 0;
  while (events < minEvents) {
    for (const piece of eventsOnly) {
      pieces.push(piece.bytes);
      events += piece.count;
    }
  }
  return { stream: Buffer.concat(pieces), events };
}

function extractEventFrames(bytes: Buffer): { bytes: Buffer; count: number } {
  const parser = new FrameParser();
  const kept: Buffer[] = [];
  let count = 0;
  for (const frame of parser.push(bytes)) {
    if (frame.headers.get('Content-Type') !== 'text/event-plain' || !frame.body) continue;
    kept.push(Buffer.from(`Content-Length: ${frame.body.length}\nContent-Type: text/event-plain\n\n`), frame.body);
    count++;
  }
  return { bytes: Buffer.concat(kept), count };
}

function chunks(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

function runOurs(pieces: Buffer[]): number {
  const parser = new FrameParser();
  let events = 0;
  for (const piece of pieces) {
    for (const frame of parser.push(piece)) {
      const message = interpretFrame(frame);
      if (message.kind !== 'event') continue;
      // Every header decoded, as modesl decodes them: ours reads an event's lines only when asked (issue #20).
      if (message.event.headers.size > 0) events++;
    }
  }
  return events;
}

function runModesl(pieces: Buffer[]): number {
  const socket = new EventEmitter();
  const parser = new ModeslParser(socket);
  let events = 0;
  parser.on('esl::event', () => events++);
  for (const piece of pieces) socket.emit('data', piece);
  return events;
}

function timeIt(run: () => number): { ms: number; events: number } {
  const start = process.hrtime.bigint();
  const events = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, events };
}

export function eslThroughput(options: { minEvents: number; runs: number; chunkBytes?: number }): ThroughputResult {
  const { stream, events } = recordedStream(options.minEvents);
  const pieces = chunks(stream, options.chunkBytes ?? 64 * 1024);
  const ours: number[] = [];
  const modesl: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const a = timeIt(() => runOurs(pieces));
    const b = timeIt(() => runModesl(pieces));
    if (a.events !== events || b.events !== events) {
      throw new Error(`parsers disagree on the event count: expected ${events}, ours ${a.events}, modesl ${b.events}`);
    }
    ours.push(a.ms);
    modesl.push(b.ms);
  }
  const median = (values: number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;
  const oursMs = median(ours);
  const modeslMs = median(modesl);
  return {
    scenario: 'esl-throughput',
    events,
    bytes: stream.length,
    ours: { eventsPerSecond: Math.round((events / oursMs) * 1000), msPerRun: Math.round(oursMs) },
    modesl: { eventsPerSecond: Math.round((events / modeslMs) * 1000), msPerRun: Math.round(modeslMs) },
    ratio: Number((modeslMs / oursMs).toFixed(2)),
  };
}

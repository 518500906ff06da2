import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The golden transcripts recorded from FreeSWITCH 1.10.12 (copied from shared/esl-captures). */
export const CAPTURES_DIR = join(__dirname, '..', 'fixtures', 'esl-captures');

export interface TimelineFrame {
  conn: string;
  offset: number;
  length: number;
  summary: string;
}

/** One line of a capture's timeline: a frame received (`<`) or a command sent (`>`), `t` in ms since the start. */
export interface TimelineEntry {
  t: number;
  conn: string;
  dir: '<' | '>';
}

export interface Capture {
  scenario: string;
  /** The frames received and commands sent, on every connection, in the order they happened. */
  timeline: TimelineEntry[];
  /** Frames FreeSWITCH sent, per connection, as listed by the capture's own parser. */
  received: Map<string, TimelineFrame[]>;
  rx(conn: string): Buffer;
  tx(conn: string): Buffer;
}

export function loadCaptures(): Capture[] {
  return readdirSync(CAPTURES_DIR)
    .filter((file) => file.endsWith('.timeline.tsv'))
    .sort()
    .map((file) => {
      const scenario = file.replace('.timeline.tsv', '');
      const received = new Map<string, TimelineFrame[]>();
      const timeline: TimelineEntry[] = [];
      for (const line of readFileSync(join(CAPTURES_DIR, file), 'utf8').split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const [t = '0', conn = '', dir, offset = '0', length = '0', summary = ''] = line.split('\t');
        if ((dir !== '<' && dir !== '>') || Number(length) === 0) continue;
        timeline.push({ t: Math.round(Number(t) * 1000), conn, dir });
        if (dir !== '<') continue;
        const frames = received.get(conn) ?? [];
        frames.push({ conn, offset: Number(offset), length: Number(length), summary });
        received.set(conn, frames);
      }
      return {
        scenario,
        timeline,
        received,
        rx: (conn: string) => readFileSync(join(CAPTURES_DIR, `${scenario}.${conn}.rx`)),
        tx: (conn: string) => readFileSync(join(CAPTURES_DIR, `${scenario}.${conn}.tx`)),
      };
    });
}

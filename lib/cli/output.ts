import type { CliIo } from './io';
import { renderRecord, renderTable, type Column } from './table';

/**
 * Every command reports through this: people get tables and aligned records, scripts that pass
 * --json get one JSON document on stdout (and a JSON error on stderr), nothing else.
 */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  list<T>(rows: readonly T[], columns: readonly Column<T>[], json: unknown = rows): void {
    if (this.json) return this.writeJson(json);
    this.io.stdout.write(rows.length === 0 ? '(none)\n' : renderTable(rows, columns));
  }

  record(fields: readonly (readonly [string, string])[], json: unknown): void {
    if (this.json) return this.writeJson(json);
    this.io.stdout.write(renderRecord(fields));
  }

  /** A confirmation line for people; `json` for scripts. */
  done(message: string, json: unknown): void {
    if (this.json) return this.writeJson(json);
    this.io.stdout.write(`${message}\n`);
  }

  /** One JSON document for scripts; for people, whatever `human` renders (several tables, say). */
  either(json: unknown, human: () => string): void {
    if (this.json) return this.writeJson(json);
    this.io.stdout.write(human());
  }

  /** Output that has its own format (CSV), the same with or without --json. */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** Human-only remarks (warnings, hints) go to stderr so stdout stays parseable. */
  note(message: string): void {
    this.io.stderr.write(`${message}\n`);
  }

  error(code: string, message: string): void {
    this.io.stderr.write(this.json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${message}\n`);
  }

  private writeJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

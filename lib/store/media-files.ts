import { z } from 'zod';
import { Repository, insertedId, int, optInt, written, type DbInt, type EpochMs } from './rows';
import { idField, parseInput, wholeNumberField } from './validation';

/** Files produced during calls: recordings (D7) and received faxes (D5), stored for download. */
interface MediaFile {
  id: number;
  accountId: number | null;
  requestId: string | null;
  legUuid: string | null;
  path: string;
  bytes: number;
  createdAt: EpochMs;
}

export interface Recording extends MediaFile {
  durationMs: number;
}

export const FAX_STATUSES = ['received', 'failed'] as const;
export type FaxStatus = (typeof FAX_STATUSES)[number];

export interface Fax extends MediaFile {
  pages: number;
  status: FaxStatus;
  /** spandsp's T.30 completion code and text (0, "OK" for a good fax); null when none was reported. */
  resultCode: number | null;
  resultText: string | null;
  /** The PDF made from the TIFF, when a converter was installed. */
  pdfPath: string | null;
}

export type NewFax = NewMediaFile & {
  pages: number;
  status?: FaxStatus;
  resultCode?: number | null;
  resultText?: string | null;
  pdfPath?: string | null;
};

const faxSchema = z.object({
  status: z.enum(FAX_STATUSES).default('received'),
  resultCode: z.number().int().nullable().default(null),
  resultText: z.string().max(128).nullable().default(null),
  pdfPath: z.string().min(1).max(1024).nullable().default(null),
});

interface MediaRow {
  id: DbInt;
  account_id: DbInt | null;
  request_id: string | null;
  leg_uuid: string | null;
  path: string;
  bytes: DbInt;
  created_at: DbInt;
}

const mediaSchema = z.object({
  accountId: idField.nullable().default(null),
  requestId: z.guid().nullable().default(null),
  legUuid: z.guid().nullable().default(null),
  path: z.string().min(1).max(1024),
  bytes: z.number().int().nonnegative().default(0),
});
export type NewMediaFile = z.input<typeof mediaSchema>;

function toMediaFile(row: MediaRow): MediaFile {
  return {
    id: int(row.id),
    accountId: optInt(row.account_id),
    requestId: row.request_id,
    legUuid: row.leg_uuid,
    path: row.path,
    bytes: int(row.bytes),
    createdAt: int(row.created_at),
  };
}

/**
 * Recordings and faxes differ only in their table and in one measure column (duration or pages),
 * so one implementation serves both.
 */
abstract class MediaFilesRepository<File extends MediaFile, Measure extends string> extends Repository {
  protected abstract readonly table: string;
  protected abstract readonly measure: { column: string; field: Measure };

  /** Columns only this table has, from the input; none by default. */
  protected extraColumns(_input: unknown): Record<string, unknown> {
    return {};
  }

  /** Fields only this table has, from its row. */
  protected extraFields(_row: Record<string, unknown>): Record<string, unknown> {
    return {};
  }

  protected async add(input: NewMediaFile, measure: number): Promise<File> {
    const file = parseInput(mediaSchema, input, this.table.replace(/s$/, ''));
    const value = parseInput(wholeNumberField, measure, this.measure.field);
    const id = insertedId(
      await this.writing(this.table, () =>
        this.db(this.table).insert({
          account_id: file.accountId,
          request_id: file.requestId,
          leg_uuid: file.legUuid,
          path: file.path,
          bytes: file.bytes,
          [this.measure.column]: value,
          ...this.extraColumns(input),
          created_at: this.clock(),
        }),
      ),
    );
    return written(await this.findById(id), `${this.table} ${id}`);
  }

  async findById(id: number): Promise<File | null> {
    const row = await this.db<MediaRow & Record<string, DbInt>>(this.table).where({ id }).first();
    return row ? this.toFile(row) : null;
  }

  /** Newest first. */
  async listForAccount(accountId: number, options: { limit?: number } = {}): Promise<File[]> {
    const rows = await this.db<MediaRow & Record<string, DbInt>>(this.table)
      .where({ account_id: accountId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 100);
    return rows.map((row) => this.toFile(row));
  }

  async listForRequest(requestId: string): Promise<File[]> {
    const rows = await this.db<MediaRow & Record<string, DbInt>>(this.table).where({ request_id: requestId }).orderBy('id');
    return rows.map((row) => this.toFile(row));
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db(this.table).where({ id }).delete()) > 0;
  }

  private toFile(row: MediaRow & Record<string, DbInt>): File {
    const measured = row[this.measure.column];
    return { ...toMediaFile(row), [this.measure.field]: measured === undefined ? 0 : int(measured), ...this.extraFields(row) } as File;
  }
}

export class RecordingsRepository extends MediaFilesRepository<Recording, 'durationMs'> {
  protected readonly table = 'recordings';
  protected readonly measure = { column: 'duration_ms', field: 'durationMs' } as const;

  create(input: NewMediaFile & { durationMs: number }): Promise<Recording> {
    return this.add(input, input.durationMs);
  }
}

export class FaxesRepository extends MediaFilesRepository<Fax, 'pages'> {
  protected readonly table = 'faxes';
  protected readonly measure = { column: 'pages', field: 'pages' } as const;

  create(input: NewFax): Promise<Fax> {
    return this.add(input, input.pages);
  }

  protected override extraColumns(input: NewFax): Record<string, unknown> {
    const fax = parseInput(faxSchema, input, 'fax');
    return { status: fax.status, result_code: fax.resultCode, result_text: fax.resultText, pdf_path: fax.pdfPath };
  }

  protected override extraFields(row: Record<string, unknown>): Partial<Fax> {
    const status = FAX_STATUSES.find((s) => s === row.status) ?? 'received';
    const code = row.result_code;
    return {
      status,
      resultCode: code === null || code === undefined ? null : int(code as DbInt),
      resultText: typeof row.result_text === 'string' ? row.result_text : null,
      pdfPath: typeof row.pdf_path === 'string' ? row.pdf_path : null,
    };
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../lib/config';
import { WAL_AUTOCHECKPOINT_PAGES, openDatabase } from '../../lib/store/database';

// What each connection of the embedded database is opened with (lib/store/database.ts).
describe('SQLite connection pragmas', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'cb-pragmas-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  async function pragmasOf(
    synchronous: 'normal' | 'full' | undefined,
  ): Promise<{ journal: unknown; synchronous: unknown; foreignKeys: unknown; autocheckpoint: unknown; tempStore: unknown }> {
    const filename = join(directory, `${synchronous ?? 'default'}.sqlite`);
    const db = openDatabase({ client: 'sqlite', filename, ...(synchronous ? { synchronous } : {}) });
    try {
      const value = async (name: string): Promise<unknown> => Object.values(((await db.raw(`pragma ${name}`)) as Record<string, unknown>[])[0] ?? {})[0];
      return {
        journal: await value('journal_mode'),
        synchronous: await value('synchronous'),
        foreignKeys: await value('foreign_keys'),
        autocheckpoint: await value('wal_autocheckpoint'),
        tempStore: await value('temp_store'),
      };
    } finally {
      await db.destroy();
    }
  }

  it('opens in WAL mode with foreign keys, syncing at checkpoints by default (synchronous NORMAL = 1)', async () => {
    await expect(pragmasOf(undefined)).resolves.toMatchObject({ journal: 'wal', synchronous: 1, foreignKeys: 1 });
    await expect(pragmasOf('normal')).resolves.toMatchObject({ journal: 'wal', synchronous: 1, foreignKeys: 1 });
  });

  it('syncs every commit with database.synchronous = full (FULL = 2)', async () => {
    await expect(pragmasOf('full')).resolves.toMatchObject({ journal: 'wal', synchronous: 2, foreignKeys: 1 });
  });

  // Each checkpoint syncs on the event loop: SQLite's default of 1,000 pages made one every dozen
  // callbacks at 300/s (issue #20).
  it('checkpoints the WAL every 10,000 pages, not every 1,000', async () => {
    expect(WAL_AUTOCHECKPOINT_PAGES).toBe(10_000);
    await expect(pragmasOf(undefined)).resolves.toMatchObject({ autocheckpoint: WAL_AUTOCHECKPOINT_PAGES });
    await expect(pragmasOf('full')).resolves.toMatchObject({ autocheckpoint: WAL_AUTOCHECKPOINT_PAGES });
  });

  // A group commit's savepoints journal the pages they change: in memory, not in a temporary file (issue #20).
  it('keeps temporary storage in memory (temp_store MEMORY = 2)', async () => {
    await expect(pragmasOf(undefined)).resolves.toMatchObject({ tempStore: 2 });
  });

  it('takes the setting from the environment and refuses other values with the allowed ones', () => {
    const read = (value: string) => loadSettings({ env: { CALLBACK_DATABASE_SYNCHRONOUS: value } }).database;
    expect(read('full')).toMatchObject({ client: 'sqlite', synchronous: 'full' });
    expect(() => read('off')).toThrow(/database\.synchronous/);
  });
});

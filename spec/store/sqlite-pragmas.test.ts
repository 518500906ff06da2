import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../lib/config';
import { openDatabase } from '../../lib/store/database';

// What each connection of the embedded database is opened with (lib/store/database.ts).
describe('SQLite connection pragmas', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'cb-pragmas-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  async function pragmasOf(synchronous: 'normal' | 'full' | undefined): Promise<{ journal: unknown; synchronous: unknown; foreignKeys: unknown }> {
    const filename = join(directory, `${synchronous ?? 'default'}.sqlite`);
    const db = openDatabase({ client: 'sqlite', filename, ...(synchronous ? { synchronous } : {}) });
    try {
      const value = async (name: string): Promise<unknown> => Object.values(((await db.raw(`pragma ${name}`)) as Record<string, unknown>[])[0] ?? {})[0];
      return { journal: await value('journal_mode'), synchronous: await value('synchronous'), foreignKeys: await value('foreign_keys') };
    } finally {
      await db.destroy();
    }
  }

  it('opens in WAL mode with foreign keys, syncing at checkpoints by default (synchronous NORMAL = 1)', async () => {
    await expect(pragmasOf(undefined)).resolves.toEqual({ journal: 'wal', synchronous: 1, foreignKeys: 1 });
    await expect(pragmasOf('normal')).resolves.toEqual({ journal: 'wal', synchronous: 1, foreignKeys: 1 });
  });

  it('syncs every commit with database.synchronous = full (FULL = 2)', async () => {
    await expect(pragmasOf('full')).resolves.toEqual({ journal: 'wal', synchronous: 2, foreignKeys: 1 });
  });

  it('takes the setting from the environment and refuses other values with the allowed ones', () => {
    const read = (value: string) => loadSettings({ env: { CALLBACK_DATABASE_SYNCHRONOUS: value } }).database;
    expect(read('full')).toMatchObject({ client: 'sqlite', synchronous: 'full' });
    expect(() => read('off')).toThrow(/database\.synchronous/);
  });
});

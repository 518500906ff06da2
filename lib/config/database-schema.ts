import { z } from 'zod';
import { setting } from './setting-meta';
import { urlSchema } from './value-schemas';

export const DEFAULT_SQLITE_FILE = './data/callback.sqlite';

const MYSQL_URL_ALLOWED = 'a mysql://user:password@host:port/database URL (mariadb:// is read as mysql://)';

const sqlite = z.strictObject({
  client: z.literal('sqlite'),
  filename: setting(z.string().min(1).default(DEFAULT_SQLITE_FILE), 'SQLite database file, created with its folder if missing; `:memory:` keeps everything in memory (tests).', {
    allowed: 'a file path, or :memory:',
  }),
  synchronous: setting(
    z.enum(['normal', 'full']).default('normal'),
    'When SQLite waits for the disk (its `synchronous` pragma, in WAL mode): `normal` syncs at checkpoints, so a commit survives the process being killed or restarted but the last ones may be lost if the machine loses power or the OS crashes; `full` syncs the WAL at every commit, which survives those too and costs ~0.1 ms of CPU and ~0.2 ms of a blocked event loop per commit (about 25 per callback). SQLite\'s own advice for WAL is `normal`.',
  ),
});

/**
 * Connections a controller opens to MariaDB at most. 30, not 10: at 200 callbacks/s offered on the
 * 2-core bench machine a pool of 10 achieved 186–190/s with order → originate p99 349–474 ms, 30
 * achieved 200/s with 99–135 ms, and at 400/s offered 158–166/s against 188–197/s (2 interleaved
 * pairs each, 2026-12-08, lib/store/README.md "The MariaDB pool"): a busy controller's statements
 * queued for a connection while the server had room.
 */
export const DEFAULT_POOL_MAX = 30;

const pool = z
  .strictObject({
    min: setting(z.number().int().min(0).max(100).default(0), 'Connections kept open when idle.'),
    max: setting(z.number().int().min(1).max(500).default(DEFAULT_POOL_MAX), 'Most connections open at once.'),
  })
  .superRefine((value, ctx) => {
    if (value.min > value.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `expected an integer of at least database.pool.min (${value.min})` });
    }
  })
  .prefault({});

const mysql = z.strictObject({
  client: z.literal('mysql'),
  url: setting(
    urlSchema({ protocols: ['mysql:', 'mariadb:'], requirePath: true, allowed: MYSQL_URL_ALLOWED }).transform((url) => url.replace(/^mariadb:/i, 'mysql:')),
    'MySQL/MariaDB server and database.',
    { allowed: MYSQL_URL_ALLOWED },
  ),
  pool,
});

export const databaseSchema = setting(
  z.discriminatedUnion('client', [sqlite, mysql]).prefault({ client: 'sqlite' }),
  'Where the durable state lives: `sqlite` (embedded, one process) or `mysql` (MySQL/MariaDB, shared by several controller instances).',
);

export type DatabaseSettings = z.infer<typeof databaseSchema>;

import { seedDemo } from '../../db/seeds/demo';
import { migrateToLatest, openDatabase, pendingMigrations, rollbackAll } from './database';
import { loadSettings } from '../config';

/*
 * `npm run migrate -- [latest|rollback-all|status|seed]` on the database the service's settings
 * name (DATABASE_URL, CALLBACK_DATABASE_*, or the embedded SQLite file).
 */

const USAGE = 'usage: migrate [latest|rollback-all|status|seed]\n';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'latest';
  if (argv.length > 1 || !['latest', 'rollback-all', 'status', 'seed'].includes(command)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const db = openDatabase(loadSettings({ env: process.env }).database);
  try {
    if (command === 'latest') report('applied', await migrateToLatest(db));
    if (command === 'rollback-all') report('rolled back', await rollbackAll(db));
    if (command === 'status') report('pending', await pendingMigrations(db));
    if (command === 'seed') {
      await migrateToLatest(db);
      const { accountId, created } = await seedDemo(db);
      process.stdout.write(`demo account ${accountId} ${created ? 'created' : 'already present'}\n`);
    }
    return 0;
  } finally {
    await db.destroy();
  }
}

function report(what: string, names: string[]): void {
  process.stdout.write(names.length === 0 ? `${what}: none\n` : `${what}:\n${names.map((name) => `  ${name}\n`).join('')}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}

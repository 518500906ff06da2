/*
 * Writes docs/settings.md from the settings schema. `--check` only compares, for CI: it fails when
 * someone changed the schema without regenerating the docs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { settingsTable } from '../lib/config/docs';

const target = path.resolve(__dirname, '..', 'docs', 'settings.md');
const table = settingsTable();

if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== table) {
    console.error(`${path.relative(process.cwd(), target)} is out of date; run: npx tsx scripts/settings-table.ts`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), target)} is up to date`);
} else {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, table);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

/*
 * Writes the settings table generated from the schema into docs/settings.md and into the README's
 * Settings section. `--check` only compares: it fails when someone changed the schema without
 * regenerating the docs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readmeWithSettings, settingsTable } from '../lib/config/docs';

const root = path.resolve(__dirname, '..');
const docsFile = path.join(root, 'docs', 'settings.md');
const readmeFile = path.join(root, 'README.md');
const wanted = new Map([
  [docsFile, settingsTable()],
  [readmeFile, readmeWithSettings(fs.readFileSync(readmeFile, 'utf8'))],
]);

let stale = false;
for (const [file, text] of wanted) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current === text) continue;
  if (process.argv.includes('--check')) {
    console.error(`${path.relative(process.cwd(), file)} is out of date; run: npm run settings:doc`);
    stale = true;
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
process.exit(stale ? 1 : 0);

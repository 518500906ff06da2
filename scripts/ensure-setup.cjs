#!/usr/bin/env node
// Makes `npm start` and `npm test` work on a fresh clone: installs the locked dependencies when
// they are missing or stale, and compiles when the sources are newer than the build. Plain
// CommonJS with no dependencies, because it runs before anything is installed.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Runs one set-up step, saying first what it does and roughly how long it takes (npm ci prints
 * nothing for minutes while it compiles better-sqlite3), then how long it took.
 */
function run(what, estimate, command, args) {
  console.error(`[setup] ${what} (${estimate})…`);
  const started = Date.now();
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  console.error(`[setup] ${what}: done in ${Math.round((Date.now() - started) / 1000)} s`);
}

function installIfStale() {
  const lock = fs.readFileSync(path.join(root, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const stamp = path.join(root, 'node_modules', '.callback-lock-hash');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  // The build needs TypeScript, a dev dependency, so `--omit=dev` cannot be used here; it would
  // not be faster anyway: most of the time goes to compiling better-sqlite3, which both need.
  const first = !fs.existsSync(path.join(root, 'node_modules'));
  run(
    first ? 'installing dependencies with npm ci (first run only)' : 'reinstalling dependencies with npm ci (package-lock.json changed)',
    'about 1.5 minutes on two idle cores, much longer on a busy machine: it compiles better-sqlite3',
    npm,
    ['ci', '--no-audit', '--no-fund'],
  );
  fs.writeFileSync(stamp, hash);
}

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfStale() {
  if (!fs.existsSync(path.join(root, 'tsconfig.build.json'))) return;
  const stamp = path.join(root, 'dist', '.build-stamp');
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  const sources = Math.max(
    ...['lib', 'db', 'bench', 'types'].map((dir) => newestMtime(path.join(root, dir))),
    fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs,
    fs.statSync(path.join(root, 'package-lock.json')).mtimeMs,
  );
  if (built >= sources) return;
  run('compiling TypeScript into dist/ (the sources changed)', 'about 20 seconds on two idle cores', npm, ['run', '--silent', 'build']);
  fs.writeFileSync(stamp, new Date().toISOString());
}

if (process.env.CALLBACK_SKIP_SETUP !== '1') {
  installIfStale();
  buildIfStale();
}

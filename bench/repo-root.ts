import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout's root, whether the bench runs from source (bench/) or compiled (dist/bench/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the bench scripts');
    dir = parent;
  }
  return dir;
}

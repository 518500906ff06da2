import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where install.sh puts the FreeSWITCH build (its own default prefix). */
export const FREESWITCH_PREFIX = '/usr/local/freeswitch';
export const FREESWITCH_BIN = `${FREESWITCH_PREFIX}/bin/freeswitch`;

/**
 * Why the real-switch suite cannot run here, or null when it can. One function so the shared
 * "skip with a reason, fail under CI" helper for external services can take it over as is.
 */
export function realSwitchMissing(): string | null {
  if (!existsSync(FREESWITCH_BIN)) return `FreeSWITCH is not installed at ${FREESWITCH_PREFIX} (run ../shared/freeswitch/install.sh)`;
  // The prompts the service plays are spoken by scripts/make-prompts.sh.
  for (const tool of ['espeak-ng', 'sox']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install espeak-ng sox)`;
  }
  return null;
}

/**
 * `describe` when FreeSWITCH is installed. Without it the block is skipped with the reason, except
 * under CI, where a missing switch fails instead: CI must prove the real-switch scenarios.
 */
export function describeWithRealSwitch(name: string, body: () => void): void {
  const missing = realSwitchMissing();
  if (missing === null) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs FreeSWITCH under CI', () => {
        throw new Error(`${missing}; under CI the real-switch suite must run`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${missing})`, body);
  }
}

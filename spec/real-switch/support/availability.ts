import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeWith, type ExternalService } from '../../support/external-services';

/** Where install.sh puts the FreeSWITCH build (its own default prefix). */
export const FREESWITCH_PREFIX = '/usr/local/freeswitch';
export const FREESWITCH_BIN = `${FREESWITCH_PREFIX}/bin/freeswitch`;

/**
 * FreeSWITCH 1.10.12 as ../shared/freeswitch/install.sh installs it, and espeak-ng + sox, which
 * speak the prompts the service plays (scripts/make-prompts.sh).
 */
export function realSwitch(): ExternalService<true> {
  const howTo = 'run ../shared/freeswitch/install.sh and apt-get install espeak-ng sox';
  const tools = ['espeak-ng', 'sox'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
  return { what: 'FreeSWITCH', howTo, found: (existsSync(FREESWITCH_BIN) && tools) || undefined };
}

/** `describe` on a real FreeSWITCH: skipped with the reason without one, failed under CI. */
export function describeWithRealSwitch(name: string, body: () => void): void {
  describeWith(realSwitch(), name, () => body());
}

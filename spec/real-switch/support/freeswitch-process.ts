import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FREESWITCH_BIN, FREESWITCH_PREFIX } from './availability';

export const SWITCH_SOUNDS = `${FREESWITCH_PREFIX}/share/freeswitch/sounds`;

/** FreeSWITCH as a child of the test, on a configuration directory of its own (`-nf`: in the foreground). */
export class FreeswitchProcess {
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(root: string, env: Record<string, string>): FreeswitchProcess {
    const dirs = Object.fromEntries(['log', 'db', 'run', 'storage', 'recordings', 'temp', 'cache'].map((d) => [d, join(root, d)]));
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const args = ['-nf', '-nonat', '-conf', join(root, 'conf'), '-sounds', SWITCH_SOUNDS];
    for (const [name, path] of Object.entries(dirs)) args.push(`-${name}`, path);
    const child = spawn(FREESWITCH_BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
    return new FreeswitchProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL when it has not gone after `graceMs` (a stuck shutdown must not hang the suite). */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

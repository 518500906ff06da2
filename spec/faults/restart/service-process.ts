import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '../../scheduler/support';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * The real service (`lib/main.ts`) in a child process, with only the CALLBACK_* settings given,
 * so that a test can SIGKILL it mid-call as an operator's crash would, and start another.
 */
export class ServiceProcess {
  private readonly output: string[] = [];
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static start(env: Record<string, string>): ServiceProcess {
    // node itself with tsx's loader (not the tsx CLI, which would run the service in a grandchild
    // that a SIGKILL to the child leaves alive).
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib', 'main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`the service did not start:\n${this.log()}`);
    return this.child.pid;
  }

  /** Its exit code once it exited (null while it runs, or when a signal ended it). */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What it printed (the last lines), for a failure message. */
  log(): string {
    return this.output.join('');
  }

  /** Resolves when its HTTP readiness says every dependency (database, FreeSWITCH node) is up. */
  async ready(httpPort: number): Promise<void> {
    await eventually(
      async () => {
        if (!this.running) throw new Error(`the service exited:\n${this.log()}`);
        try {
          return (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      'the service to be ready',
      90_000,
    );
  }

  /** kill -9: no handler runs, sockets are reset, nothing is written on the way out. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    await this.exited;
  }
}

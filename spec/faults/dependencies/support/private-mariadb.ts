import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort } from '../../../support/ports';

const USER = 'faults';
const PASSWORD = 'faults';

/**
 * A mariadbd of the test's own, in a temporary datadir with its own port and socket, so a test
 * can stop it and start it again without touching the shared server on 3306. `--user=root` lets
 * it run under the root account CI uses (the data directory is ours anyway).
 */
export class PrivateMariadb {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly directory: string,
    readonly port: number,
  ) {}

  /** mysql://user:password@127.0.0.1:port/database */
  url(database: string): string {
    return `mysql://${USER}:${PASSWORD}@127.0.0.1:${this.port}/${database}`;
  }

  static async create(databases: readonly string[]): Promise<PrivateMariadb> {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'callback-faults-mariadb-'));
    const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${path.join(directory, 'data')}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {
      encoding: 'utf8',
    });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`);
    const server = new PrivateMariadb(directory, await freePort());
    await server.start();
    const sql = [
      `CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`,
      `GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1'`,
      ...databases.map((name) => `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
    ].join(';');
    const setup = spawnSync('mariadb', ['--no-defaults', '-uroot', `--socket=${server.socket}`, '-e', sql], { encoding: 'utf8' });
    if (setup.status !== 0) throw new Error(`could not set up the private MariaDB: ${setup.stderr}`);
    return server;
  }

  private get socket(): string {
    return path.join(this.directory, 'mysqld.sock');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts (again) on the same port and datadir; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${path.join(this.directory, 'data')}`,
        `--socket=${this.socket}`,
        `--pid-file=${path.join(this.directory, 'mysqld.pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        '--max-connections=200',
      ],
      { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.directory, 'mysqld.log'), 'a')] },
    );
    this.child = child;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await canConnect(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.child = undefined;
    throw new Error(`the private mariadbd did not listen on ${this.port}: ${this.log()}`);
  }

  /** A clean shutdown (SIGTERM): open connections are closed by the server, new ones refused. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private log(): string {
    try {
      return fs.readFileSync(path.join(this.directory, 'mysqld.log'), 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  }
}

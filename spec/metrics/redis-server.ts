import { spawn, type ChildProcess } from 'node:child_process';
import { canConnect, freePort } from '../support/ports';

/**
 * A throw-away Redis of the test's own (not the shared test Redis), so the test can take it away
 * to see what readiness does then. Nothing is persisted.
 */
export class RedisServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** On `port` (to bring a stopped server back where its clients look), else on a free one. */
  static async start(port?: number): Promise<RedisServer> {
    port ??= await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const server = new RedisServer(child, port);
    await server.waitForPort();
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  private async waitForPort(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await canConnect(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.stop();
    throw new Error(`redis-server did not listen on ${this.port}`);
  }
}


import net from 'node:net';

/**
 * A TCP relay between our inbound ESL client and one simulator, that a test can cut (the node
 * drops off the network: every relayed connection is reset and new ones are refused at once) and
 * restore. The node itself lives on: its calls go on, and their outbound sockets, which do not go
 * through here, stay up, as with a FreeSWITCH whose event socket link broke.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private open = true;

  private constructor(private readonly server: net.Server) {}

  static listen(targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => proxy.relay(client, targetPort));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(proxy));
    });
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy not listening');
    return address.port;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, targetPort: number): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}

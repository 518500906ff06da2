import { createServer, type Server } from 'node:net';
import { localServiceCpu } from '../../bench/service-cpu';

const linux = process.platform === 'linux';

describe('the CPU of a local service, read from /proc', () => {
  (linux ? it : it.skip)('finds the process listening on the URL\'s port and reads its CPU', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const service = localServiceCpu(`redis://127.0.0.1:${port}/`);
      expect(service?.pid).toBe(process.pid);
      const before = service!.ms();
      let spin = 0;
      for (let i = 0; i < 5_000_000; i += 1) spin += i;
      expect(spin).toBeGreaterThan(0);
      expect(service!.ms()).toBeGreaterThanOrEqual(before);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaves out what it cannot measure: a remote host, a malformed URL, a port nobody listens on, no URL', () => {
    expect(localServiceCpu('mysql://user:pw@db.example.net:3306/')).toBeUndefined();
    expect(localServiceCpu('not a url')).toBeUndefined();
    expect(localServiceCpu('redis://127.0.0.1:1/')).toBeUndefined();
    expect(localServiceCpu(undefined)).toBeUndefined();
  });
});

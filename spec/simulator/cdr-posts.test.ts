import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FreeswitchSimulator } from '../../lib/simulator';
import { ManualClock } from '../../lib/time/clock';
import { freePort } from '../support/ports';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP server that answers each post with the next status (the last repeats), or holds it until released. */
async function receiver(statuses: Array<number | 'hold'>, port = 0) {
  const received: Received[] = [];
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      if (status === 'hold') held.push(() => res.writeHead(200).end());
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/freeswitch/json-cdr`,
    received,
    release: () => held.splice(0).forEach((answer) => answer()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const realTick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i += 1) await realTick();
  expect(condition()).toBe(true);
}

describe("the simulator's mod_json_cdr posts", () => {
  const clock = new ManualClock(1_700_000_000_000);
  let sim: FreeswitchSimulator;
  let closedPort: number;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    sim = await FreeswitchSimulator.start({ clock, hostname: 'fs-test' });
    closedPort = await freePort();
  });

  afterEach(async () => {
    await sim.stop();
    for (const stop of stops.splice(0)) await stop();
  });

  /** A call to an access number whose socket nobody answers: the leg ends at once. */
  async function endedLeg(): Promise<string> {
    const uuid = await sim.placeInboundCall({ destination: '8000', callerIdNumber: '+12025550101', socket: { host: '127.0.0.1', port: closedPort } });
    await until(() => sim.channel(uuid)?.answerState === 'hangup' && sim.channels().length === 0);
    return uuid;
  }

  it('posts each ended leg as json_cdr.conf.xml says: JSON body, ?uuid=, basic cred, the CDR variables', async () => {
    const server = await receiver([200]);
    stops.push(server.close);
    sim.postCdrsTo({ url: server.url, cred: 'freeswitch:secret-for-the-simulator-0123' });
    const uuid = await endedLeg();
    await sim.cdrPosts.idle();

    expect(server.received).toHaveLength(1);
    const [post] = server.received;
    expect(post!.url).toBe(`/freeswitch/json-cdr?uuid=${uuid}`);
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers['user-agent']).toBe('freeswitch-json/1.0');
    expect(post!.headers.authorization).toBe(`Basic ${Buffer.from('freeswitch:secret-for-the-simulator-0123').toString('base64')}`);
    const cdr = JSON.parse(post!.body) as { switchname: string; variables: Record<string, string> };
    expect(cdr.switchname).toBe('fs-test');
    expect(cdr.variables).toMatchObject({ uuid, billsec: '0', hangup_cause: sim.channel(uuid)!.hangupCause, end_uepoch: String(clock.now() * 1000) });
  });

  it('retries a refused post like mod_json_cdr (retries more tries, delay apart on the clock), then gives up', async () => {
    const server = await receiver([500]);
    stops.push(server.close);
    sim.postCdrsTo({ url: server.url, retries: 3, delayMs: 5_000 });
    await endedLeg();
    await until(() => sim.cdrPosts.retrying === 1);
    expect(server.received).toHaveLength(1);
    for (const tries of [2, 3, 4]) {
      await clock.advance(4_999);
      expect(server.received).toHaveLength(tries - 1);
      await clock.advance(1);
      await until(() => server.received.length === tries && (sim.cdrPosts.retrying === 1 || tries === 4));
    }
    await sim.cdrPosts.idle();
    await clock.advance(60_000);
    expect(server.received).toHaveLength(4);
    expect(new Set(server.received.map((post) => post.body)).size).toBe(1);
  });

  it('retries a post nobody answers (the controller is down) and delivers it once the controller is back', async () => {
    const port = await freePort();
    sim.postCdrsTo({ url: `http://127.0.0.1:${port}/freeswitch/json-cdr` });
    const uuid = await endedLeg();
    await until(() => sim.cdrPosts.retrying === 1);
    // The controller comes back on its address before the next try.
    const server = await receiver([200], port);
    stops.push(server.close);
    await clock.advance(5_000);
    await until(() => server.received.length === 1);
    await sim.cdrPosts.idle();
    expect(server.received.map((post) => post.url)).toEqual([`/freeswitch/json-cdr?uuid=${uuid}`]);
  });

  it('never holds up the switch: the leg is gone and the next call runs while its CDR post waits for an answer', async () => {
    const server = await receiver(['hold']);
    stops.push(server.close);
    sim.postCdrsTo({ url: server.url });
    const first = await endedLeg();
    await until(() => server.received.length === 1);
    expect(sim.cdrPosts.pending).toBe(1);
    const second = await endedLeg();
    await until(() => server.received.length === 2);
    expect(server.received.map((post) => post.url.split('=')[1])).toEqual([first, second]);
    server.release();
    await sim.cdrPosts.idle();
  });
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start` as a newcomer runs it: the real entry point in a child process, on embedded
 * defaults, with only a temporary database file and a free port.
 */
const ROOT = join(__dirname, '..', '..');

interface Started {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  exit: Promise<number | null>;
}

function startMain(env: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      CALLBACK_LOG_FORMAT: 'json',
      CALLBACK_HTTP_PORT: '0',
      CALLBACK_SOCKET_SERVER_PORT: '0',
      CALLBACK_SIMULATOR_ESL_PORT: '0',
      ...env,
    },
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exit };
}

async function waitForLine(started: Started, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const line = started.lines.find((l) => pattern.test(l));
    if (line) return line;
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no line matching ${pattern} in:\n${started.lines.join('\n')}`);
}

describe('the service entry point', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'callback-start-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGINT'] as const)('starts on SQLite with the simulator, migrates, is ready, and stops cleanly on %s', async (signal) => {
    const started = startMain({ CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite') });
    await waitForLine(started, /database ready.*001_accounts_and_tariffs/);
    const listening = JSON.parse(await waitForLine(started, /HTTP API listening/)) as { port: number };
    await waitForLine(started, /callback service started/);

    const health = await fetch(`http://127.0.0.1:${listening.port}/healthz`);
    expect(health.status).toBe(200);
    await waitForLine(started, /FreeSWITCH simulator listening/);
    // The ESL connection to the simulator comes up on its own; readiness follows it.
    let ready = '';
    for (let i = 0; i < 200 && ready !== 'ready'; i++) {
      const response = await fetch(`http://127.0.0.1:${listening.port}/readyz`);
      ready = ((await response.json()) as { status: string }).status;
      if (ready !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(ready).toBe('ready');

    started.child.kill(signal);
    expect(await started.exit).toBe(0);
    expect(started.lines.some((l) => /"message":"stopped"/.test(l))).toBe(true);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const started = startMain({ CALLBACK_HTTP_PORT: 'eighty' });
    expect(await started.exit).toBe(2);
    expect(started.lines.join('\n')).toMatch(/http\.port \(CALLBACK_HTTP_PORT\) = "eighty"/);
  });

  it.each([
    ['http.port', 'CALLBACK_HTTP_PORT'],
    ['socketServer.port', 'CALLBACK_SOCKET_SERVER_PORT'],
    ['simulator.eslPort', 'CALLBACK_SIMULATOR_ESL_PORT'],
  ])('names %s and %s in one line, without a stack, when its port is taken', async (setting, variable) => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const started = startMain({ CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'), [variable]: String(port) });
      expect(await started.exit).toBe(1);
      const text = started.lines.join('\n');
      expect(started.lines.filter((line) => line.includes('EADDRINUSE') || /^\s+at /.test(line))).toEqual([]);
      expect(started.lines.filter((line) => line.includes('in use'))).toEqual([
        `callback: ${setting} is ${port} but that port is in use on 127.0.0.1; set ${variable} to a free port (0 = any free port), or stop what holds it`,
      ]);
      expect(text).not.toContain('callback service started');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../scheduler/support';
import { canConnect, freePort } from '../support/ports';

/*
 * `npm start` stopped the way a terminal, systemd or a process supervisor stops it: SIGTERM to the
 * npm process itself. npm hands the signal to the shell running the script only; unless that shell
 * has exec'ed the service, the shell dies and the service is left running, holding its ports.
 * Spawns the built service (dist/), which `npm test` builds first.
 */
const ROOT = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

jest.setTimeout(90_000);

/** Every process below `pid` now (children first seen through /proc, as ps would). */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of rows) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start and signals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callback-npm-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM to the npm process stops the service gracefully: exit 0, every port released, no process left', async () => {
    if (!existsSync(join(ROOT, 'dist', 'lib', 'main.js'))) throw new Error('dist/ is not built: run npm run build (npm test does it first)');
    const ports = { http: await freePort(), socket: await freePort(), esl: await freePort() };
    const child = spawn(npm, ['start', '--silent'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        // `npm test` did the set-up; a rebuild racing the other suites is not what this tests.
        CALLBACK_SKIP_SETUP: '1',
        CALLBACK_LOG_FORMAT: 'json',
        CALLBACK_DATABASE_FILENAME: join(dir, 'callback.sqlite'),
        CALLBACK_MEDIA_ROOT: join(dir, 'media'),
        CALLBACK_HTTP_PORT: String(ports.http),
        CALLBACK_SOCKET_SERVER_PORT: String(ports.socket),
        CALLBACK_SIMULATOR_ESL_PORT: String(ports.esl),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code} ${signal}`)));
    const npmPid = child.pid!;

    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited:\n${output.join('')}`);
        return (await Promise.all(Object.values(ports).map(canConnect))).every(Boolean);
      },
      'the service to listen on its three ports',
      60_000,
    );
    const tree = descendants(npmPid);
    expect(tree.length).toBeGreaterThan(0);

    child.kill('SIGTERM');
    expect(await exited).toBe('0 null');
    expect(output.join('')).toMatch(/"message":"stopped"/);
    // npm waits for its script, so once it exited nothing of the tree may be left, nor any port.
    await eventually(() => tree.every((pid) => !alive(pid)), 'every process of the tree to be gone', 10_000);
    for (const port of Object.values(ports)) expect(await canConnect(port)).toBe(false);
  });
});

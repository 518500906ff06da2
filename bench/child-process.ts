import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A benchmark part in a process of its own, asked by messages and answering each in order. */
export interface BenchChild<Request, Reply> {
  ask(request: Request): Promise<Reply>;
  /** Disconnects (the child exits on that), killing it if it has not after 3 s. */
  stop(): Promise<void>;
}

/**
 * Forks bench/<script> (the .ts through tsx when running from source, the .js when compiled) and
 * resolves with its first message (it says it is ready) once it sends one. `nodeOptions` go to the
 * child's node (`--cpu-prof`, say).
 */
export async function forkBenchChild<Request, Reply>(script: string, nodeOptions: readonly string[] = []): Promise<{ child: BenchChild<Request, Reply>; first: Reply }> {
  const fromSource = __filename.endsWith('.ts');
  const child: ChildProcess = fork(join(__dirname, `${script}${fromSource ? '.ts' : '.js'}`), [], {
    execArgv: [...(fromSource ? ['--import', 'tsx'] : []), ...nodeOptions],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((reply: Reply) => void)[] = [];
  const first = await new Promise<Reply>((resolve, reject) => {
    let started = false;
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.on('message', (message: Reply) => {
      if (!started) {
        started = true;
        resolve(message);
      } else replies.shift()?.(message);
    });
  });
  return {
    first,
    child: {
      ask: (request) =>
        new Promise((resolve) => {
          replies.push(resolve);
          child.send(request as object);
        }),
      stop: () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.disconnect();
          setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
        }),
    },
  };
}

/** What a CLI run talks to; the binary passes the process's, tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Settings are read from here exactly as the service reads them (DATABASE_URL, CALLBACK_*). */
  env: NodeJS.ProcessEnv;
  /** Relative file paths (rates import/export) are resolved against this. */
  cwd: string;
  now(): number;
  /** Waits between two looks at the database (`test-call --wait`); tests pass one that steps their own clock. */
  sleep(ms: number): Promise<void>;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
}

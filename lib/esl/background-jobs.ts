import type { Clock, TimerHandle } from '../time/clock';
import { onAbort } from './abort';
import { EslCommandFailed, EslTimeout } from './errors';
import { parseHangupCause } from './hangup-causes';
import type { EslEvent } from './wire';

/**
 * The result text of an api/bgapi command: `+OK <text>` → `<text>`, `-ERR <text>` (or `-USAGE`)
 * → EslCommandFailed carrying the hangup cause when the text is one (`-ERR USER_BUSY`), anything
 * else (`true`, `UP 0 years…`) as it is.
 */
export function parseCommandResult(label: string, body: string): string {
  const text = body.replace(/\n+$/, '');
  if (text.startsWith('+OK')) return text.slice(3).trim();
  if (text.startsWith('-')) {
    // `-ERROR` (uuid_answer) is a reply of its own, not `-ERR` + "OR".
    const detail = text.replace(/^-ERR(?:\s+|$)/, '').trim();
    const cause = /^[A-Z_]+$/.test(detail) || /^\d+$/.test(detail) ? parseHangupCause(detail) : undefined;
    throw new EslCommandFailed(label, detail, cause);
  }
  return text;
}

interface Job {
  label: string;
  timer: TimerHandle | undefined;
  detachAbort: () => void;
  resolve(body: string): void;
  reject(error: Error): void;
}

/**
 * Background jobs awaiting their BACKGROUND_JOB, keyed by the Job-UUID we generated. Every way a
 * job can end (result, timeout, abort, disconnect) removes it, so no listener outlives its job
 * (modesl #58 leaks one per lost BACKGROUND_JOB).
 */
export class BackgroundJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.jobs.size;
  }

  /** Registers a job before its command is sent; resolves with the BACKGROUND_JOB body. */
  wait(jobUuid: string, label: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const job: Job = { label, timer: undefined, detachAbort: () => undefined, resolve, reject };
      this.jobs.set(jobUuid, job);
      job.timer = this.clock.setTimeout(() => this.fail(jobUuid, new EslTimeout(label, options.timeoutMs)), options.timeoutMs);
      job.detachAbort = onAbort(options.signal, (reason) => this.fail(jobUuid, reason));
    });
  }

  /** Handles a BACKGROUND_JOB event; false when it is not one of ours (another client's job). */
  settle(event: EslEvent): boolean {
    const jobUuid = event.headers.get('Job-UUID');
    if (jobUuid === undefined) return false;
    const job = this.take(jobUuid);
    if (!job) return false;
    job.resolve(event.body ?? '');
    return true;
  }

  fail(jobUuid: string, error: Error): void {
    this.take(jobUuid)?.reject(error);
  }

  failAll(error: (label: string) => Error): void {
    for (const jobUuid of [...this.jobs.keys()]) this.fail(jobUuid, error(this.jobs.get(jobUuid)?.label ?? ''));
  }

  private take(jobUuid: string): Job | undefined {
    const job = this.jobs.get(jobUuid);
    if (!job) return undefined;
    this.jobs.delete(jobUuid);
    job.timer?.cancel();
    job.detachAbort();
    return job;
  }
}

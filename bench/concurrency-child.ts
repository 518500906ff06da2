import { forkBenchChild } from './child-process';
import type { ConcurrencyOptions, ConcurrencyResult } from './concurrency';
import type { ConcurrencyReply, ConcurrencyRequest } from './concurrency-process';
import { controllerFlagsInUse } from './script';

/** Runs one size of the concurrency scenario in a fresh process (bench/concurrency-process.ts), with this process's controller V8 flags. */
export async function concurrencyInFreshProcess(options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const { child } = await forkBenchChild<ConcurrencyRequest, ConcurrencyReply>('concurrency-process', controllerFlagsInUse());
  try {
    const reply = await child.ask({ type: 'run', options });
    if (reply.type !== 'result') throw new Error('the concurrency process answered without a result');
    return reply.result;
  } finally {
    await child.stop();
  }
}

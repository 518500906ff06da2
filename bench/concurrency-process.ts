/**
 * The concurrency scenario in a process of its own (forked by concurrency-child.ts): each size
 * starts on a fresh controller process, so its setup time and heap are its own, not partly what
 * the sizes before it left in the process (issue #20: the 10,000-call figure read 41–49.5 s after
 * the 1,000 and 5,000 runs in one process, 34.5–39.4 s on its own).
 */
import { concurrency, type ConcurrencyOptions, type ConcurrencyResult } from './concurrency';

export type ConcurrencyRequest = { type: 'run'; options: ConcurrencyOptions };
export type ConcurrencyReply = { type: 'ready' } | { type: 'result'; result: ConcurrencyResult };

function main(): void {
  const reply = (message: ConcurrencyReply): void => void process.send?.(message);
  process.on('message', (message: ConcurrencyRequest) => {
    concurrency(message.options).then(
      (result) => reply({ type: 'result', result }),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  reply({ type: 'ready' });
}

main();

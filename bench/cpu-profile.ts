import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** A CPU profile of this process from now until `stop`, which writes it to `file` (open it in Chrome's DevTools). */
export async function startCpuProfile(file: string): Promise<{ stop(): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

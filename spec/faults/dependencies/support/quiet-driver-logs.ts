/**
 * knex and mysql2 print every refused connection with console.log while the database is down
 * (the point of these tests); keep those lines out of the output and let everything else through.
 */
export function quietDriverLogs(): void {
  let spy: jest.SpyInstance | undefined;
  beforeAll(() => {
    const original = jest.requireActual<typeof import('node:console')>('node:console');
    spy = jest.spyOn(globalThis.console, 'log').mockImplementation((...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (/^(Acquire connection error|Connection Error)/.test(text)) return;
      original.info(...args);
    });
  });
  afterAll(() => spy?.mockRestore());
}

/**
 * knex and mysql2 print every refused connection with console.log while the database is down
 * (the point of these tests); keep those lines out of the output and let everything else through.
 */
export function quietDriverLogs(): void {
  const original = console.log.bind(console);
  let spy: jest.SpyInstance | undefined;
  beforeAll(() => {
    spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      const text = args.map(String).join(' ');
      if (/^(Acquire connection error|Connection Error)/.test(text)) return;
      original(...args);
    });
  });
  afterAll(() => spy?.mockRestore());
}

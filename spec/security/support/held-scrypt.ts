import crypto from 'node:crypto';

/**
 * Holds the scrypt comparison of one secret until `release()`, so a test can let other attempts
 * run while that one is being compared; `reached` settles once its comparison has started.
 */
export function holdScryptOf(secret: string): { reached: Promise<void>; release: () => void } {
  const original = crypto.scrypt;
  let release = (): void => undefined;
  let reach = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  jest.spyOn(crypto, 'scrypt').mockImplementation(((...args: Parameters<typeof crypto.scrypt>) => {
    if (args[0] !== secret) return original(...args);
    reach();
    void released.then(() => original(...args));
  }) as typeof crypto.scrypt);
  return { reached, release };
}

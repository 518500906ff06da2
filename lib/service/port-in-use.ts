import { envVarName } from '../config/env-names';

/** A listening port of the settings is taken: what the operator must change, in one line. */
export class PortInUse extends Error {
  constructor(setting: readonly string[], host: string, port: number) {
    super(`${setting.join('.')} is ${port} but that port is in use on ${host}; set ${envVarName(setting)} to a free port (0 = any free port), or stop what holds it`);
    this.name = 'PortInUse';
  }
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

/**
 * Runs `listen` for the port of `setting`, turning a port already in use into a PortInUse that
 * names the setting and its variable instead of Node's bare `listen EADDRINUSE` and stack.
 */
export async function listenOn<T>(setting: readonly string[], address: { host: string; port: number }, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUse(setting, address.host, address.port);
    throw error;
  }
}

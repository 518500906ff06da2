interface DriverError {
  code?: unknown;
  errno?: unknown;
  name?: unknown;
  fatal?: unknown;
}

function codeOf(error: unknown): { code: string; errno: number } {
  if (typeof error !== 'object' || error === null) return { code: '', errno: 0 };
  const { code, errno } = error as DriverError;
  return { code: typeof code === 'string' ? code : '', errno: typeof errno === 'number' ? errno : 0 };
}

/** A UNIQUE or PRIMARY KEY collision, as mysql2 or better-sqlite3 reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const { code, errno } = codeOf(error);
  return code === 'ER_DUP_ENTRY' || errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A row refers to a parent row that does not exist (an unknown account, request, tariff…). */
export function isForeignKeyViolation(error: unknown): boolean {
  const { code, errno } = codeOf(error);
  return code === 'ER_NO_REFERENCED_ROW_2' || errno === 1452 || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** InnoDB picked this statement as a deadlock victim; the statement can simply be run again. */
export function isDeadlock(error: unknown): boolean {
  const { code, errno } = codeOf(error);
  return code === 'ER_LOCK_DEADLOCK' || errno === 1213;
}

/** Socket-level codes: the server is not there (stopped, restarting, unreachable). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);
/** ER_SERVER_SHUTDOWN, ER_CON_COUNT_ERROR, ER_CONNECTION_KILLED, CR_SERVER_GONE_ERROR, CR_SERVER_LOST. */
const UNAVAILABLE_ERRNOS = new Set([1053, 1040, 1927, 2006, 2013]);

/**
 * The database could not be reached or went away mid-statement (MariaDB stopped or restarting,
 * the pool could not get a connection in time). The statement did not run, or its transaction
 * rolled back, so the same unit of work can be tried again later; the API answers 503 meanwhile.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = codeOf(error);
  if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_ERRNOS.has(errno)) return true;
  const { name, fatal } = error as DriverError;
  // knex's "Knex: Timeout acquiring a connection", and mysql2's fatal errors on a dead connection.
  if (name === 'KnexTimeoutError') return true;
  if (fatal === true) return true;
  const message = error instanceof Error ? error.message : '';
  return /connection is in closed state|Connection lost|Can't add new command when connection is in closed state/i.test(message);
}

export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 5 + Math.random() * 10));
    }
  }
}

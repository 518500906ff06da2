interface DriverError {
  code?: unknown;
  errno?: unknown;
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

/**
 * Exit codes scripts can rely on:
 *   0 done;
 *   1 something failed at run time (database unreachable, a bug);
 *   2 the command was refused as given: bad usage, an invalid value (the message names the
 *     option or field), a conflict with existing data, or a state that does not allow it;
 *   3 something the command names does not exist.
 */
export const EXIT = { ok: 0, failure: 1, refused: 2, notFound: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorCode = 'failure' | 'usage' | 'invalid' | 'conflict' | 'not_found';

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** An option or argument value that cannot be used; `field` is how the operator typed its name. */
export function invalid(field: string, problem: string): CliError {
  return new CliError(EXIT.refused, 'invalid', `${field}: ${problem}`);
}

export function refused(message: string): CliError {
  return new CliError(EXIT.refused, 'conflict', message);
}

export function notFound(what: string): CliError {
  return new CliError(EXIT.notFound, 'not_found', `${what} does not exist`);
}

export function failure(message: string): CliError {
  return new CliError(EXIT.failure, 'failure', message);
}

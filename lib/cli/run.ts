import { CommanderError } from 'commander';
import { InvalidStoreInput, StoreConflict } from '../store';
import { isUniqueViolation } from '../store/sql-errors';
import { SettingsError } from '../config';
import { CliContext } from './context';
import { CliError, EXIT, type ErrorCode, type ExitCode } from './errors';
import { processIo, type CliIo } from './io';
import { buildProgram } from './program';

/**
 * Runs one CLI invocation and returns its exit code. Nothing here exits the process, so tests
 * call it in-process with their own streams and environment.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const ctx = new CliContext(io);
  // Known before parsing, so that even a usage error is reported as JSON to a script.
  ctx.configure({ json: argv.includes('--json') });
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    const { exitCode, code, message } = describe(error);
    ctx.out.error(code, message);
    return exitCode;
  } finally {
    await ctx.close();
  }
}

/** Commander has already printed its message (or the help). */
function commanderExit(error: CommanderError): ExitCode {
  return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.refused;
}

function describe(error: unknown): { exitCode: ExitCode; code: ErrorCode; message: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, code: error.code, message: error.message };
  if (error instanceof InvalidStoreInput) return { exitCode: EXIT.refused, code: 'invalid', message: error.message };
  if (error instanceof StoreConflict) return { exitCode: EXIT.refused, code: 'conflict', message: error.message };
  // A repository that does not translate its own unique keys, or a race with another operator.
  if (isUniqueViolation(error)) return { exitCode: EXIT.refused, code: 'conflict', message: 'that already exists (a unique name or number is taken)' };
  if (error instanceof SettingsError) return { exitCode: EXIT.refused, code: 'invalid', message: `invalid settings\n${error.message}` };
  return { exitCode: EXIT.failure, code: 'failure', message: error instanceof Error ? error.message : String(error) };
}

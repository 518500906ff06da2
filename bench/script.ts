import { spawn } from 'node:child_process';
import { CONTROLLER_NODE_FLAGS } from '../lib/service/node-flags';

/** A `--name=value` argument's value, or undefined when the argument is not given. */
export function option(prefix: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/**
 * Runs a benchmark script's main and exits: 0 when it finished, 1 with the error printed when it
 * threw. A script started without the controller's V8 flags (lib/service/node-flags.ts) runs
 * itself again with them first, so that the controller it measures is the one production runs; a
 * flag given on the command line with another value is kept (`node --max-semi-space-size=16 …`
 * measures V8's default, for an A/B).
 */
export function runScript(main: () => Promise<void>): void {
  const missing = CONTROLLER_NODE_FLAGS.filter((flag) => !process.execArgv.some((given) => flagName(given) === flagName(flag)));
  if (missing.length > 0) return runAgainWith(missing);
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** The controller's V8 flags as this process runs with them (a value given on the command line wins), for a child that measures the controller. */
export function controllerFlagsInUse(): string[] {
  return CONTROLLER_NODE_FLAGS.map((flag) => process.execArgv.find((given) => flagName(given) === flagName(flag)) ?? flag);
}

const flagName = (flag: string): string => flag.split('=')[0]!;

function runAgainWith(flags: readonly string[]): void {
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Stopping this process stops the run, not only its parent.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}

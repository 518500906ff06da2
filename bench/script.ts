/** A `--name=value` argument's value, or undefined when the argument is not given. */
export function option(prefix: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** Runs a benchmark script's main and exits: 0 when it finished, 1 with the error printed when it threw. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

import { runCli } from './run';

/** `callback …` (the package's bin) and `npm run cli -- …`. */
void runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('callback: unexpected failure:', error);
    process.exitCode = 1;
  },
);

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { eslThroughput } from './esl-throughput';
import { repoRoot } from './repo-root';

/**
 * `npm run bench` runs every scenario in full; `--short` runs each for a few seconds (the test
 * suite uses it to prove the harness works, never to judge speed). Results are printed as a
 * table and written as JSON under bench/results/.
 */
function main(): void {
  const short = process.argv.includes('--short');
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
  const throughput = eslThroughput(short ? { minEvents: 2_000, runs: 3 } : { minEvents: 120_000, runs: 7 });

  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}`);
  console.table({
    'ESL parse (ours)': { events: throughput.events, 'events/s': throughput.ours.eventsPerSecond, 'ms/run': throughput.ours.msPerRun },
    'ESL parse (modesl)': { events: throughput.events, 'events/s': throughput.modesl.eventsPerSecond, 'ms/run': throughput.modesl.msPerRun },
  });
  console.log(`ours / modesl speed ratio: ${throughput.ratio}`);

  const dir = join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, short ? 'latest-short.json' : 'latest.json');
  writeFileSync(file, `${JSON.stringify({ machine, short, results: [throughput] }, null, 2)}\n`);
  console.log(`written to ${file}`);
}

main();

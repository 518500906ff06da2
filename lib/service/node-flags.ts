/**
 * The V8 flags the controller runs with: in the Dockerfile's CMD and `npm start`
 * (spec/service/node-flags.test.ts holds them to this list), and in every bench script, which
 * runs itself again with them when started without (bench/script.ts), so that the bench measures
 * the controller production runs.
 *
 * `--max-semi-space-size=64` (MB; V8's default on 64-bit is 16): a callback allocates ~0.7 MB in
 * the controller (ESL event text and headers, statements, log lines), nearly all of it dead within
 * a call step; with a 16 MB semi-space the young generation is collected every ~20 callbacks,
 * each collection copying what the calls in flight hold at that moment, and costing more as the
 * held calls' old generation grows (10,000 held calls: ~500 scavenges of 15–40 ms). 64 MB makes a
 * quarter as many, each finding most of that in-flight state dead; the price is up to ~100 MB
 * more resident memory (the two semi-spaces), the heap of a held call unchanged (issue #20).
 */
export const CONTROLLER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

import { join } from 'node:path';
import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RequestChange } from '../lib/callback/engine';
import type { WaitFigures } from './command-waits';
import { startController } from './controller';
import { machineTicks, stealPercentSince } from './machine-steal';
import { callbackParties, startSimChild } from './sim-child';
import { LoopLag, cpuSince, mb, round, sleep } from './stats';

/**
 * Scenario 3: N bridged calls held by one controller process (simulator in its own process):
 * heap and RSS per call (after a full GC, against the idle controller), and event-loop lag while
 * 1% of the calls press a key each second.
 */
export interface ConcurrencyResult {
  scenario: 'concurrency';
  calls: number;
  bridged: number;
  setupSeconds: number;
  /** CPU each process used from the first order until the calls were bridged. */
  setupCpuSeconds: { controller: number; simulator: number };
  /** The machine's steal from the first order until the calls were bridged, % (bench/machine-steal.ts). */
  setupStealPercent?: number;
  heapKbPerCall: number;
  rssKbPerCall: number;
  heapMb: number;
  rssMb: number;
  dtmfSent: number;
  lagMs: { p50: number; p99: number; max: number };
  /** The inbound ESL connection's commands during the run: waiting for the connection vs for the reply. */
  inboundCommands: Record<string, WaitFigures>;
}

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function settled(): { heap: number; rss: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

export interface ConcurrencyOptions {
  calls: number;
  dtmfSeconds: number;
  rate?: number;
  /** A folder to write heap snapshots of the idle controller and of the held calls to (`idle-<calls>.heapsnapshot`, `held-<calls>.heapsnapshot`), for bench/heap-diff.ts. */
  heapSnapshots?: string;
}

export async function concurrency(options: ConcurrencyOptions): Promise<ConcurrencyResult> {
  const sim = await startSimChild();
  try {
    const { aNumbers, bNumbers } = await callbackParties(sim, options.calls, undefined);
    const controller = await startController({ simPort: sim.port, database: 'sqlite', queue: { driver: 'memory' }, accounts: Math.ceil(options.calls / 50) });
    try {
      const bridged = new Set<string>();
      controller.engine.on('request', (change: RequestChange) => {
        if (change.to === 'bridged') bridged.add(change.requestId);
      });
      const before = settled();
      if (options.heapSnapshots) writeHeapSnapshot(join(options.heapSnapshots, `idle-${options.calls}.heapsnapshot`));
      const ticks = machineTicks();
      const cpuBefore = { controller: process.cpuUsage(), simulatorMs: (await sim.stats()).cpuMs };
      const rate = options.rate ?? 300;
      const started = performance.now();
      const pending: Promise<unknown>[] = [];
      let issued = 0;
      while (issued < options.calls) {
        const due = Math.min(options.calls, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
        for (; issued < due; issued += 1) {
          const accountId = controller.accountIds[issued % controller.accountIds.length]!;
          pending.push(controller.engine.order({ accountId, source: aNumbers[issued]!, destination: bNumbers[issued]! }));
        }
        await sleep(5);
      }
      await Promise.all(pending);
      const limit = performance.now() + 60_000;
      while (bridged.size < options.calls && performance.now() < limit) await sleep(50);
      const setupSeconds = round((performance.now() - started) / 1000, 1);
      const setupStealPercent = stealPercentSince(ticks);
      const setupCpuSeconds = { controller: round(cpuSince(cpuBefore.controller) / 1000, 1), simulator: round(((await sim.stats()).cpuMs - cpuBefore.simulatorMs) / 1000, 1) };
      await sleep(500);
      const held = settled();
      if (options.heapSnapshots) writeHeapSnapshot(join(options.heapSnapshots, `held-${options.calls}.heapsnapshot`));

      const lag = new LoopLag();
      lag.start();
      let dtmfSent = 0;
      for (let second = 0; second < options.dtmfSeconds; second += 1) {
        dtmfSent += await sim.dtmf(0.01, '1');
        await sleep(1_000);
      }
      const lagMs = lag.stop();
      const count = Math.max(1, bridged.size);
      return {
        scenario: 'concurrency',
        calls: options.calls,
        bridged: bridged.size,
        setupSeconds,
        setupCpuSeconds,
        ...(setupStealPercent === undefined ? {} : { setupStealPercent }),
        heapKbPerCall: round((held.heap - before.heap) / 1024 / count, 1),
        rssKbPerCall: round((held.rss - before.rss) / 1024 / count, 1),
        heapMb: mb(held.heap),
        rssMb: mb(held.rss),
        dtmfSent,
        lagMs,
        inboundCommands: controller.commandWaits.figures(),
      };
    } finally {
      await controller.stop();
    }
  } finally {
    await sim.stop();
  }
}

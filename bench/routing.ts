import { cpuUsage } from 'node:process';
import type { E164 } from '../lib/domain/phone-number';
import { carrierDialNumber } from '../lib/routing/carrier-dial';
import { InProcessCarrierLimits } from '../lib/routing/carrier-limits';
import { routeLeg, routingTable, type RouteOptions } from '../lib/routing/route-leg';
import type { RouteCarrier, RouteRate } from '../lib/routing/route-types';
import { ManualClock } from '../lib/time/clock';
import { round } from './stats';
import type { RatingTerms } from '../lib/billing';
import { minorUnits } from '../lib/domain/money';

export interface RoutingResult {
  scenario: 'routing';
  carriers: number;
  prefixesPerCarrier: number;
  legs: number;
  /** One-off: indexing every carrier's rates (done when the rates are read again). */
  buildMs: number;
  /** routeLeg, each try's dial number and a limit check, per leg; target ≤ 0.2. */
  cpuMsPerLeg: number;
  averageTries: number;
}

/** A small fixed-seed generator (mulberry32), so every run routes the same numbers. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function digits(random: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += String(Math.floor(random() * 10));
  return text;
}

/**
 * Issue #17's budget: routing may add at most 0.2 ms of CPU per leg at 10,000 prefixes × 5
 * carriers. Each carrier gets its own 10,000 prefixes (2–7 digits, overlapping between carriers as
 * real rate sheets do); each leg is routed, every try's dial number made and a limit taken and
 * released, as the engine does.
 */
export function routingBench(options: { legs: number; carriers?: number; prefixes?: number }): RoutingResult {
  const carrierCount = options.carriers ?? 5;
  const prefixCount = options.prefixes ?? 10_000;
  const random = seeded(17);
  const carriers: RouteCarrier[] = Array.from({ length: carrierCount }, (_, index) => ({
    id: index + 1,
    name: `carrier${index + 1}`,
    currency: 'USD',
    dialPrefix: index % 2 === 0 ? '' : '00',
    stripDigits: 0,
    callerIdMode: 'pass',
    callerIdNumber: null,
    maxChannels: 1_000_000,
    maxCps: null,
    priority: index,
    weight: 1,
    enabled: true,
    gateways: [{ node: '*', gateway: `gw${index + 1}` }],
  }));
  const shared = Array.from({ length: prefixCount }, () => `${1 + Math.floor(random() * 9)}${digits(random, 1 + Math.floor(random() * 6))}`);
  const rates: RouteRate[] = carriers.flatMap((carrier) => {
    const own = new Set<string>();
    // Most prefixes every carrier has, some its own: per carrier its own longest match differs.
    for (const prefix of shared) own.add(random() < 0.8 ? prefix : `${1 + Math.floor(random() * 9)}${digits(random, 1 + Math.floor(random() * 6))}`);
    return [...own].map((prefix) => ({ carrierId: carrier.id, prefix, ...perMinute(Math.floor(random() * 200_000)) }));
  });
  const numbers = Array.from({ length: 1_000 }, () => `+${shared[Math.floor(random() * shared.length)]}${digits(random, 8)}`.slice(0, 16) as E164);
  const routeOptions: RouteOptions = { policy: 'cheapest', nodes: ['fs1', 'fs2'], sell: { terms: perMinute(150_000), currency: 'USD' }, allowLossCalls: false, random };

  const buildStart = cpuUsage();
  const table = routingTable(carriers, rates);
  const buildMs = cpuMs(cpuUsage(buildStart));

  const limits = new InProcessCarrierLimits(new ManualClock());
  let tries = 0;
  const legOnce = (number: E164): void => {
    const route = routeLeg(table, number, routeOptions);
    for (const entry of route.tries) {
      carrierDialNumber(entry.carrier, number);
      const slot = limits.take(entry.carrier);
      if (typeof slot !== 'string') slot.release();
      tries += 1;
    }
  };
  for (const number of numbers) legOnce(number);
  tries = 0;
  const start = cpuUsage();
  for (let leg = 0; leg < options.legs; leg += 1) legOnce(numbers[leg % numbers.length] as E164);
  const used = cpuMs(cpuUsage(start));
  return {
    scenario: 'routing',
    carriers: carrierCount,
    prefixesPerCarrier: prefixCount,
    legs: options.legs,
    buildMs: round(buildMs),
    cpuMsPerLeg: round(used / options.legs, 4),
    averageTries: round(tries / options.legs),
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Billed by the whole minute, with a small connection fee: the loss check has every term to compare. */
function perMinute(ratePerMinute: number): RatingTerms {
  return { ratePerMinute, connectionFeeMinor: minorUnits(1), incrementFirstSeconds: 60, incrementNextSeconds: 60, minimumSeconds: 0 };
}

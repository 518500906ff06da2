/**
 * Summarises a CPU profile (`bench/sql-breakdown.ts --cpu-prof=FILE`, Chrome's .cpuprofile) as
 * text, to compare two builds by where the time goes rather than by how long it took on a shared
 * machine: busy time, then the share of busy time by module and by function, each sample counted
 * once for the innermost frame that is ours (lib/, bench/) or of a dependency (node_modules), so
 * that a library's time is charged to it whichever of our functions called it and native time
 * (syscalls, the SQLite engine) to whoever asked for it.
 * `npx tsx bench/profile-summary.ts FILE [--top=N]`
 */
import { readFileSync } from 'node:fs';
import { option, runScript } from './script';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Where a frame's code lives: `lib/…` or `bench/…` of this repository, `nm:package`, or null (native, Node's own). */
export function ownerOf(url: string): string | null {
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency) return `nm:${dependency[1]}`;
  const ours = /\/((?:lib|bench)\/.+)$/.exec(url);
  return ours ? ours[1]! : null;
}

export interface Summary {
  readonly busyMs: number;
  readonly byModule: ReadonlyMap<string, number>;
  readonly byFunction: ReadonlyMap<string, number>;
}

/** Busy milliseconds, and busy milliseconds by the innermost owned frame's module and function. */
export function summarise(profile: CpuProfile): Summary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const msPerSample = profile.samples.length === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const sample of profile.samples) {
    if (nodes.get(sample)?.callFrame.functionName === '(idle)') continue;
    busy += msPerSample;
    let module = '(no frame of ours or of a dependency)';
    let name = module;
    for (let id: number | undefined = sample; id !== undefined; id = parents.get(id)) {
      const frame = nodes.get(id)!.callFrame;
      const owner = ownerOf(frame.url);
      if (owner !== null) {
        module = owner;
        name = `${frame.functionName || '(anonymous)'} ${owner}:${frame.lineNumber + 1}`;
        break;
      }
    }
    byModule.set(module, (byModule.get(module) ?? 0) + msPerSample);
    byFunction.set(name, (byFunction.get(name) ?? 0) + msPerSample);
  }
  return { busyMs: busy, byModule, byFunction };
}

function table(title: string, entries: ReadonlyMap<string, number>, busyMs: number, top: number): string {
  const rows = [...entries]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => `${((100 * ms) / busyMs).toFixed(2).padStart(6)} % ${ms.toFixed(0).padStart(7)} ms  ${name}`);
  return [`${title}:`, ...rows].join('\n');
}

function main(): Promise<void> {
  const file = process.argv[2];
  if (file === undefined || file.startsWith('--')) throw new Error('usage: npx tsx bench/profile-summary.ts FILE [--top=N]');
  const top = Number(option('--top=') ?? 30);
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  console.log(`busy ${summary.busyMs.toFixed(0)} ms`);
  console.log(table('by module (innermost frame of ours or of a dependency)', summary.byModule, summary.busyMs, top));
  console.log(table('by function', summary.byFunction, summary.busyMs, top));
  return Promise.resolve();
}

if (require.main === module) runScript(main);

import { readFileSync } from 'node:fs';

/**
 * What a loaded process holds that the idle one did not: two V8 heap snapshots (as
 * `npm run bench -- --only=concurrency --heap-snapshots=DIR` writes them) summed by node kind
 * (an object's constructor, a closure's function name, a string, compiled code, …), the
 * difference per call, largest first.
 *
 *   npx tsx bench/heap-diff.ts DIR/idle-1000.heapsnapshot DIR/held-1000.heapsnapshot 1000 [rows]
 */
interface HeapSnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Tally {
  count: number;
  bytes: number;
}

/** Kinds whose names are data, not a type: summed under the kind alone. */
const NAMELESS_KINDS = new Set(['string', 'concatenated string', 'sliced string', 'number', 'heap number', 'code', 'array', 'hidden', 'object shape', 'bigint', 'symbol']);
/** Kinds told apart by what holds them (a closure's context, an object's backing array, a promise's reaction). */
const BY_HOLDER = new Set(['array', 'hidden', 'object system / Context', 'object Object', 'object Promise', 'object Array']);

/** A snapshot's nodes with their edges, named as the summary shows them. */
class Heap {
  private readonly width: number;
  private readonly edgeWidth: number;
  private readonly firstEdge: Int32Array;
  private readonly holder: Int32Array;
  private readonly holderEdge: Int32Array;
  private readonly types: string[];
  private readonly edgeTypes: string[];

  constructor(private readonly file: HeapSnapshotFile) {
    const meta = file.snapshot.meta;
    this.width = meta.node_fields.length;
    this.edgeWidth = meta.edge_fields.length;
    this.types = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    const count = file.nodes.length / this.width;
    this.firstEdge = new Int32Array(count + 1);
    this.holder = new Int32Array(count).fill(-1);
    this.holderEdge = new Int32Array(count).fill(-1);
    let edge = 0;
    for (let node = 0; node < count; node += 1) {
      this.firstEdge[node] = edge;
      const edges = file.nodes[node * this.width + 4]!;
      for (let i = 0; i < edges; i += 1, edge += this.edgeWidth) {
        const target = file.edges[edge + 2]! / this.width;
        if (this.holder[target] === -1 && this.edgeTypes[file.edges[edge]!] !== 'weak') {
          this.holder[target] = node;
          this.holderEdge[target] = edge;
        }
      }
    }
    this.firstEdge[count] = edge;
  }

  get count(): number {
    return this.file.nodes.length / this.width;
  }

  size(node: number): number {
    return this.file.nodes[node * this.width + 3]!;
  }

  kind(node: number): string {
    return this.types[this.file.nodes[node * this.width]!] ?? 'unknown';
  }

  name(node: number): string {
    return this.file.strings[this.file.nodes[node * this.width + 1]!] ?? '';
  }

  /** The node an edge named `name` leads to, or -1. */
  follow(node: number, name: string): number {
    for (let edge = this.firstEdge[node]!; edge < this.firstEdge[node + 1]!; edge += this.edgeWidth) {
      const type = this.edgeTypes[this.file.edges[edge]!];
      if (type !== 'element' && type !== 'hidden' && this.file.strings[this.file.edges[edge + 1]!] === name) return this.file.edges[edge + 2]! / this.width;
    }
    return -1;
  }

  /** A closure by its function's name and file; anything else by its kind, and for some by what holds it. */
  key(node: number, depth = 0): string {
    const kind = this.kind(node);
    if (kind === 'closure') return `closure ${this.name(node) || '(anonymous)'} in ${this.scriptOf(node)}`;
    const base = NAMELESS_KINDS.has(kind) ? kind : `${kind} ${this.name(node)}`;
    const holder = this.holder[node]!;
    if (depth > 0 || !BY_HOLDER.has(base) || holder === -1) return base;
    return `${base} ← ${this.key(holder, depth + 1)}.${this.edgeName(this.holderEdge[node]!)}`;
  }

  private edgeName(edge: number): string {
    const type = this.edgeTypes[this.file.edges[edge]!];
    return type === 'element' || type === 'hidden' ? '[]' : (this.file.strings[this.file.edges[edge + 1]!] ?? '');
  }

  private scriptOf(closure: number): string {
    const shared = this.follow(closure, 'shared');
    const script = shared === -1 ? -1 : this.follow(shared, 'script_or_debug_info');
    return script === -1 ? '?' : this.name(script).replace(/^.*\/(lib|bench|node_modules)\//, '$1/');
  }
}

function tallies(path: string): Map<string, Tally> {
  const heap = new Heap(JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshotFile);
  const byKind = new Map<string, Tally>();
  for (let node = 0; node < heap.count; node += 1) {
    const key = heap.key(node);
    const tally = byKind.get(key) ?? { count: 0, bytes: 0 };
    tally.count += 1;
    tally.bytes += heap.size(node);
    byKind.set(key, tally);
  }
  return byKind;
}

export interface HeapDiffRow {
  readonly kind: string;
  readonly perCall: number;
  readonly bytesPerCall: number;
}

/** What `heldPath` holds beyond `idlePath`, per call, largest first. */
export function heapDiff(idlePath: string, heldPath: string, calls: number): HeapDiffRow[] {
  const idle = tallies(idlePath);
  const held = tallies(heldPath);
  const rows = [...held].map(([kind, tally]) => {
    const before = idle.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, perCall: (tally.count - before.count) / calls, bytesPerCall: (tally.bytes - before.bytes) / calls };
  });
  return rows.sort((a, b) => b.bytesPerCall - a.bytesPerCall);
}

function main(): void {
  const [idlePath, heldPath, callsText, rowsText] = process.argv.slice(2);
  const calls = Number(callsText);
  if (!idlePath || !heldPath || !Number.isFinite(calls) || calls <= 0) {
    console.error('usage: heap-diff.ts IDLE.heapsnapshot HELD.heapsnapshot CALLS [ROWS]');
    process.exitCode = 2;
    return;
  }
  const rows = heapDiff(idlePath, heldPath, calls);
  const total = rows.reduce((sum, row) => sum + row.bytesPerCall, 0);
  console.log(`${(total / 1024).toFixed(2)} KB per call in all`);
  console.table(
    rows.slice(0, Number(rowsText ?? 40)).map((row) => ({ kind: row.kind.slice(0, 110), 'count/call': Number(row.perCall.toFixed(2)), 'bytes/call': Math.round(row.bytesPerCall) })),
  );
}

if (require.main === module) main();

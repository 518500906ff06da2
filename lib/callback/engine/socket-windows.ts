import { checkWindowOptions, SocketWindow, type SocketWindowOptions, type WindowLeg } from './socket-window';

/** The nodes a leg may go to, and how to choose one of those whose window is open. */
export interface NodeChoice {
  readonly among: readonly string[];
  /** One of `open` (it may throw, e.g. NoCapacity: then the originate fails with that). */
  pick(open: readonly string[]): string;
}

export interface Launch {
  readonly node: string;
  readonly leg: WindowLeg;
}

interface Waiter {
  readonly order: number;
  readonly pick: NodeChoice['pick'];
  resolve(launch: Launch): void;
  reject(error: unknown): void;
}

/** Waiters for the same nodes, first come first served. */
interface NodesQueue {
  readonly among: readonly string[];
  readonly waiters: Waiter[];
}

/**
 * A socket window for each node (SocketWindow), so that a node whose sockets are late holds up
 * only the legs that can go nowhere else. Originates wait in order of arrival among those that
 * could go to the same nodes; one whose nodes are all closed does not hold up one for other nodes.
 */
export class SocketWindows {
  /** The nodes with legs in their window; a node's window goes with its last leg (a node dropped from the settings is not kept). */
  private readonly windows = new Map<string, SocketWindow>();
  /** By the nodes waited for; few keys (a leg's carrier or the callback nodes). */
  private readonly queues = new Map<string, NodesQueue>();
  private arrivals = 0;
  private waiting = 0;

  constructor(private readonly options: SocketWindowOptions) {
    checkWindowOptions(options);
  }

  /** Legs answered whose socket has not come yet, on every node. */
  get late(): number {
    let late = 0;
    for (const window of this.windows.values()) late += window.late;
    return late;
  }

  /** Nodes with legs in their window, each with its window kept; the others have none. */
  get nodesWithLegs(): number {
    return this.windows.size;
  }

  /** Originates waiting for room. */
  get queued(): number {
    return this.waiting;
  }

  /**
   * Resolves when a socket leg may be originated on one of `choice.among` (at once unless their
   * windows are closed or others wait before for the same nodes), with the node `choice.pick`
   * chose among the open ones and the leg's place in its window.
   */
  room(choice: NodeChoice): Promise<Launch> {
    return new Promise<Launch>((resolve, reject) => {
      const key = choice.among.join('\n');
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { among: [...choice.among], waiters: [] };
        this.queues.set(key, queue);
      }
      queue.waiters.push({ order: this.arrivals++, pick: choice.pick, resolve, reject });
      this.waiting += 1;
      this.admit();
    });
  }

  /** Whether an originate may start on `node` now: a node with no window has no leg holding it up. */
  private isOpen(node: string): boolean {
    return this.windows.get(node)?.open ?? true;
  }

  /** `node`'s window, for a leg launched on it. */
  private windowForLaunch(node: string): SocketWindow {
    let window = this.windows.get(node);
    if (!window) {
      const created = new SocketWindow(this.options, () => this.changed(node, created));
      this.windows.set(node, created);
      window = created;
    }
    return window;
  }

  private changed(node: string, window: SocketWindow): void {
    if (window.empty && this.windows.get(node) === window) this.windows.delete(node);
    this.admit();
  }

  /** Lets waiters through, the longest waiting first, while one of their nodes has room: at each change, so none is stranded. */
  private admit(): void {
    for (;;) {
      let next: { key: string; queue: NodesQueue; open: string[] } | undefined;
      for (const [key, queue] of this.queues) {
        const head = queue.waiters[0];
        if (!head || (next && next.queue.waiters[0]!.order < head.order)) continue;
        const open = queue.among.filter((node) => this.isOpen(node));
        // No node at all: the pick says why (NoCapacity), as it would with nodes to choose from.
        if (open.length > 0 || queue.among.length === 0) next = { key, queue, open };
      }
      if (!next) return;
      const waiter = next.queue.waiters.shift()!;
      if (next.queue.waiters.length === 0) this.queues.delete(next.key);
      this.waiting -= 1;
      try {
        const node = waiter.pick(next.open);
        waiter.resolve({ node, leg: this.windowForLaunch(node).launch() });
      } catch (error) {
        waiter.reject(error);
      }
    }
  }
}

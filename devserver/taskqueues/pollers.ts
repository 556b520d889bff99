/**
 * Who polled which task queue lately, as matching remembers it for DescribeTaskQueue: a poller
 * (by identity) with the time of its last poll, forgotten after a few minutes without one (the
 * real server's matching.PollerHistoryTTL is 5 minutes). The Temporal UI shows these as a run's
 * workers, and its workflow page needs the answer.
 */

/** temporal.api.enums.v1.TaskQueueType. */
export const TaskQueueType = { Workflow: 1, Activity: 2, Nexus: 3 } as const;
export type TaskQueueType = (typeof TaskQueueType)[keyof typeof TaskQueueType];

export interface PollerSeen {
  identity: string;
  /** Wall-clock time of the last poll, in ms (real time: the TTL and the UI's "ago" are real). */
  lastAccessTime: number;
}

export const POLLER_TTL_MS = 5 * 60_000;

export class PollerHistory {
  private readonly byQueue = new Map<string, Map<string, PollerSeen>>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(namespace: string, queue: string, type: TaskQueueType): string {
    return `${namespace}\u0000${type}\u0000${queue}`;
  }

  polled(namespace: string, queue: string, type: TaskQueueType, identity: string): void {
    const k = this.key(namespace, queue, type);
    let pollers = this.byQueue.get(k);
    if (!pollers) {
      pollers = new Map();
      this.byQueue.set(k, pollers);
    }
    const seen = pollers.get(identity);
    if (seen) seen.lastAccessTime = this.now();
    else pollers.set(identity, { identity, lastAccessTime: this.now() });
  }

  /** The pollers seen within the TTL, most recent first (older ones are dropped on the way). */
  recent(namespace: string, queue: string, type: TaskQueueType): PollerSeen[] {
    const k = this.key(namespace, queue, type);
    const pollers = this.byQueue.get(k);
    if (!pollers) return [];
    const since = this.now() - POLLER_TTL_MS;
    for (const [identity, p] of pollers) if (p.lastAccessTime < since) pollers.delete(identity);
    if (!pollers.size) this.byQueue.delete(k);
    return [...pollers.values()].sort((a, b) => b.lastAccessTime - a.lastAccessTime);
  }
}

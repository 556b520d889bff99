/**
 * A task queue as matching sees it: tasks waiting for a poller, pollers waiting for a task.
 * Polls are long: they wait up to `maxWaitMs` and then answer "no task" (the SDK's core gives polls
 * a 70 s deadline; the real server answers empty after about 60 s). A task handed to a poller can
 * turn out stale (its workflow moved on); the caller then polls again.
 */
interface Poller<T> {
  resolve(task: T | null): void;
  signal: AbortSignal;
  /** The polling worker's instance key, when it sends one. */
  worker?: string;
}

export class TaskQueue<T> {
  private readonly tasks: T[] = [];
  private readonly pollers: Poller<T>[] = [];

  constructor(readonly name: string) {}

  get backlog(): number {
    return this.tasks.length;
  }

  offer(task: T): void {
    for (;;) {
      const poller = this.pollers.shift();
      if (!poller) break;
      if (poller.signal.aborted) continue;
      poller.resolve(task);
      return;
    }
    this.tasks.push(task);
  }

  /** Takes queued tasks matching `pick` out of this queue (e.g. to move them elsewhere). */
  drain(pick: (task: T) => boolean = () => true): T[] {
    const taken: T[] = [];
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      if (pick(this.tasks[i]!)) taken.unshift(...this.tasks.splice(i, 1));
    }
    return taken;
  }

  poll(signal: AbortSignal, maxWaitMs: number, worker?: string): Promise<T | null> {
    const task = this.tasks.shift();
    if (task !== undefined) return Promise.resolve(task);
    if (signal.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const poller: Poller<T> = {
        signal,
        worker,
        resolve: (t) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(t);
        },
      };
      const onAbort = () => {
        const i = this.pollers.indexOf(poller);
        if (i >= 0) this.pollers.splice(i, 1);
        poller.resolve(null);
      };
      const timer = setTimeout(onAbort, maxWaitMs);
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pollers.push(poller);
    });
  }

  /** Answers waiting pollers (all, or one worker's) with "no task": server or worker shutdown. */
  releasePollers(worker?: string): void {
    if (worker === undefined) {
      for (const p of this.pollers.splice(0)) p.resolve(null);
      return;
    }
    for (const p of this.pollers.filter((x) => x.worker === worker)) {
      this.pollers.splice(this.pollers.indexOf(p), 1);
      p.resolve(null);
    }
  }
}

/** Queues by name, created on first use. */
export class TaskQueues<T> {
  private readonly queues = new Map<string, TaskQueue<T>>();

  get(name: string): TaskQueue<T> {
    let q = this.queues.get(name);
    if (!q) {
      q = new TaskQueue<T>(name);
      this.queues.set(name, q);
    }
    return q;
  }

  peek(name: string): TaskQueue<T> | undefined {
    return this.queues.get(name);
  }

  releaseAll(): void {
    for (const q of this.queues.values()) q.releasePollers();
  }
}

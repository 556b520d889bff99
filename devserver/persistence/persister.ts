/**
 * Between the server and its store: collects what changed (runs, removals, server-wide values)
 * and writes it once per turn of the event loop, after the microtasks a request queues (a child's
 * close reaching its parent, a signal to another run), so that a request and its consequences go
 * to the file in one commit, which a crash keeps or drops whole.
 *
 * `durable()` is what a request handler awaits before it replies: it resolves once everything
 * changed so far is on disk.
 */
import type { DurableStore, HistoryBytes, RunKey } from './store';

export interface RunCodec<R> {
  key(run: R): RunKey;
  /** The run's mutable state as plain data (JSON with bytes). */
  state(run: R): unknown;
  history(run: R): HistoryBytes;
}

export class Persister<R> {
  private readonly dirty = new Set<R>();
  private readonly dirtyMeta = new Map<string, () => unknown>();
  private removed: RunKey[] = [];
  private queued: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null;
  private lastCommit: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DurableStore,
    private readonly codec: RunCodec<R>,
  ) {}

  /** The run changed: its state (and new history) goes to the next commit. */
  runChanged(run: R): void {
    this.dirty.add(run);
    this.queue();
  }

  runRemoved(run: R): void {
    this.dirty.delete(run);
    this.removed.push(this.codec.key(run));
    this.queue();
  }

  /** A server-wide value changed; `value` is read when the commit is written. */
  metaChanged(key: string, value: () => unknown): void {
    this.dirtyMeta.set(key, value);
    this.queue();
  }

  /** Resolves once every change reported so far is on disk (rejects if the store failed). */
  durable(): Promise<void> {
    return this.queued?.promise ?? this.lastCommit;
  }

  private queue(): void {
    if (this.queued) return;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A caller that does not wait must not turn a failed store into an unhandled rejection:
    // the store reports its failure through its own onFailure.
    promise.catch(() => undefined);
    this.queued = { promise, resolve, reject };
    setImmediate(() => this.write());
  }

  private write(): void {
    const queued = this.queued!;
    this.queued = null;
    let last: Promise<void> | undefined;
    try {
      for (const [key, value] of this.dirtyMeta) last = this.store.setMeta(key, value());
      this.dirtyMeta.clear();
      for (const key of this.removed) last = this.store.removeRun(key);
      this.removed = [];
      for (const run of this.dirty) {
        last = this.store.putRun(this.codec.key(run), this.codec.state(run), this.codec.history(run));
      }
      this.dirty.clear();
    } catch (error) {
      queued.reject(error as Error);
      throw error;
    }
    // The journal commits in order: the last write's promise covers all of them.
    const commit = last ?? this.lastCommit;
    this.lastCommit = commit;
    commit.then(queued.resolve, queued.reject);
  }
}

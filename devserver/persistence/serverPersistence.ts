/**
 * A DevServer's state in a file (`--db-filename`): opened and replayed at start, then every change
 * written through the persister, and every reply to a request that changed something sent only
 * once the change is on disk (see durableBefore). Closed runs are removed after the namespace's
 * retention, as Temporal does, so the file holds what is live.
 */
import type { DevServer } from '../server';
import { Persister, type RunCodec } from './persister';
import { DurableStore, type Recovered, type StoreOptions } from './store';

/** Retention of the namespaces Temporal's CLI dev server creates (schema/sqlite: 24 hours). */
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;

const CLOCK = 'clock';
const NAMESPACES = 'namespaces';
const SEARCH_ATTRIBUTES = 'searchAttributes';

/**
 * Methods whose reply waits for durability: all but reads and polls. A poll hands out a task, and
 * a task lost with a crash is scheduled again after the restart, so it need not wait.
 */
const NO_WAIT = /^(Poll|Get|Describe|List|Count|Scan|Query|Check|Watch)/;

export class ServerPersistence<R> {
  private constructor(
    private readonly server: DevServer,
    readonly store: DurableStore,
    readonly persister: Persister<R>,
  ) {}

  /**
   * Opens `file` (locking it) and restores the server-wide values it holds into `server`; the runs
   * are returned for the server to restore.
   */
  static open<R>(
    server: DevServer,
    file: string,
    codec: RunCodec<R>,
    options: StoreOptions = {},
  ): { persistence: ServerPersistence<R>; recovered: Recovered } {
    const { store, recovered } = DurableStore.open(file, options);
    const persistence = new ServerPersistence(server, store, new Persister(store, codec));
    try {
      persistence.restoreMeta(recovered.meta);
    } catch (error) {
      void store.close();
      throw error;
    }
    return { persistence, recovered };
  }

  private restoreMeta(meta: Map<string, unknown>): void {
    const clock = meta.get(CLOCK) as { offsetMs?: unknown } | undefined;
    if (typeof clock?.offsetMs === 'number') this.server.clock.restoreOffset(clock.offsetMs);
    const namespaces = meta.get(NAMESPACES);
    if (Array.isArray(namespaces)) for (const ns of namespaces) this.server.namespaces.add(String(ns));
    const attributes = meta.get(SEARCH_ATTRIBUTES);
    if (attributes && typeof attributes === 'object') {
      for (const [name, type] of Object.entries(attributes as Record<string, string>)) {
        try {
          this.server.searchAttributes.register(name, type);
        } catch (error) {
          throw new Error(
            `the state file ${this.store.file} has search attribute ${name} as ${type}, which this start refuses: ${(error as Error).message}`,
          );
        }
      }
    }
    this.server.clock.onSkip = () =>
      this.persister.metaChanged(CLOCK, () => ({ offsetMs: this.server.clock.offset }));
    // What this start added (flags) is written with the first commit.
    this.namespacesChanged();
    this.searchAttributesChanged();
  }

  /** The server-wide values as they are now (what a compaction writes). */
  metaSnapshot(): [string, unknown][] {
    return [
      [CLOCK, { offsetMs: this.server.clock.offset }],
      [NAMESPACES, [...this.server.namespaces]],
      [SEARCH_ATTRIBUTES, this.customSearchAttributes()],
    ];
  }

  private customSearchAttributes(): Record<string, string> {
    return Object.fromEntries(
      this.server.searchAttributes.definitions('custom').map((d) => [d.name, d.type]),
    );
  }

  namespacesChanged(): void {
    this.persister.metaChanged(NAMESPACES, () => [...this.server.namespaces]);
  }

  searchAttributesChanged(): void {
    this.persister.metaChanged(SEARCH_ATTRIBUTES, () => this.customSearchAttributes());
  }

  /** Replies that waited for durability (the benchmark's fsyncs per acknowledged request). */
  acknowledged = 0;

  /** What the reply to `method` waits for (undefined: nothing). */
  durableBefore(method: string): Promise<void> | undefined {
    if (NO_WAIT.test(method)) return undefined;
    this.acknowledged++;
    return this.persister.durable();
  }

  /** One line of figures about the file (printed at exit with --log-level info). */
  summary(): string {
    const { commits, syncs, compactions, bytesWritten } = this.store.stats;
    return (
      `state file ${this.store.file}: ${this.store.size} bytes, ${this.acknowledged} acknowledged requests, ` +
      `${syncs} syncs (${(syncs / Math.max(1, this.acknowledged)).toFixed(3)} per acknowledged request), ` +
      `${commits} commits, ${compactions} compactions, ${bytesWritten} bytes written`
    );
  }

  /** Writes what is pending, closes the file and releases its lock. */
  async close(): Promise<void> {
    try {
      await this.persister.durable();
    } finally {
      await this.store.close();
    }
  }
}

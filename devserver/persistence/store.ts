/**
 * The server's durable state in one file: runs (mutable state + history) and server-wide values
 * (namespaces, search attributes, the clock), over a journal (journal.ts) of entries (records.ts).
 *
 * The store keeps no copy of the state: it replays the file once at open, then appends what the
 * server reports, and for compaction asks the server for a snapshot of what it holds. It tracks only
 * sizes (to know when the file is several times the live state) and, per run, how many history
 * bytes are already written (so each append carries only the new events).
 */
import path from 'node:path';
import { lockWithPidFile } from '../../database/data-dir-lock';
import { Journal, type JournalIo, type JournalStats } from './journal';
import {
  META,
  META_REMOVED,
  RUN,
  RUN_REMOVED,
  decodeEntries,
  encodeMeta,
  encodeMetaRemoved,
  encodeRun,
  encodeRunRemoved,
  parseState,
  type RunKey,
} from './records';

export type { RunKey } from './records';

/** A run's history as the store reads it: its size, and the bytes from an offset on. */
export interface HistoryBytes {
  readonly byteLength: number;
  bytesFrom(offset: number): Uint8Array;
}

export interface RecoveredRun {
  key: RunKey;
  state: unknown;
  /** The run's encoded History entries, all of them. */
  history: Buffer;
}

export interface Recovered {
  /** In the order the runs were first written. */
  runs: RecoveredRun[];
  meta: Map<string, unknown>;
  /** Bytes of a torn last commit that were cut off (0 when the file was whole). */
  truncatedBytes: number;
}

/** What compaction writes: everything live, as the server holds it now. */
export interface SnapshotSource {
  runs(): Iterable<{ key: RunKey; state: unknown; history: HistoryBytes }>;
  meta(): Iterable<readonly [string, unknown]>;
}

export interface StoreOptions {
  /** Compact when the file is more than this many times the live state (default 4). */
  compactRatio?: number;
  /** ... and larger than this (default 4 MiB): small files are not worth rewriting. */
  compactMinBytes?: number;
  io?: JournalIo;
  /** Called once if a write or sync fails: the store accepts nothing after that. */
  onFailure?: (error: Error) => void;
}

interface RunSize {
  state: number;
  history: number;
}

/** Per-entry overhead counted in the live size (entry and key headers). */
const ENTRY_OVERHEAD = 64;

export class DurableStore {
  private readonly runSizes = new Map<string, RunSize>();
  private readonly metaSizes = new Map<string, number>();
  private live = 0;
  private source: SnapshotSource | null = null;
  private compacting: Promise<void> | null = null;
  private compactCheckQueued = false;
  private readonly compactRatio: number;
  private readonly compactMinBytes: number;

  private constructor(
    private readonly journal: Journal,
    private readonly releaseLock: () => void,
    options: StoreOptions,
  ) {
    this.compactRatio = options.compactRatio ?? 4;
    this.compactMinBytes = options.compactMinBytes ?? 4 * 1024 * 1024;
  }

  /**
   * Locks and opens `file` (created if missing) and replays it. Throws if another process holds
   * it, or if it is damaged other than by a torn last commit (JournalCorruptError).
   */
  static open(file: string, options: StoreOptions = {}): { store: DurableStore; recovered: Recovered } {
    file = path.resolve(file);
    const release = lockWithPidFile(
      `${file}.lock`,
      (owner) =>
        new Error(
          `the state file ${file} is in use by process ${owner}: stop that server, or give this one another --db-filename`,
        ),
    );
    try {
      const { journal, frames, truncatedBytes } = Journal.open(file, {
        io: options.io,
        onFailure: options.onFailure,
      });
      const store = new DurableStore(journal, release, options);
      const runs = new Map<string, { key: RunKey; state: Buffer; chunks: Buffer[] }>();
      const meta = new Map<string, unknown>();
      for (const frame of frames) {
        for (const e of decodeEntries(journal.file, frame)) {
          if (e.kind === RUN) {
            const id = runId(e.key);
            const size = store.runSizes.get(id) ?? { state: 0, history: 0 };
            if (e.at !== size.history) {
              throw new Error(
                `the state file ${journal.file} is inconsistent: run ${e.key.join('/')} continues its history at byte ${e.at}, but ${size.history} were written`,
              );
            }
            const run = runs.get(id) ?? { key: e.key, state: e.state, chunks: [] };
            run.state = e.state;
            if (e.delta.length > 0) run.chunks.push(e.delta);
            runs.set(id, run);
            store.setRunSize(id, { state: e.bytes - e.delta.length, history: size.history + e.delta.length });
          } else if (e.kind === RUN_REMOVED) {
            const id = runId(e.key);
            runs.delete(id);
            store.setRunSize(id, null);
          } else if (e.kind === META) {
            meta.set(e.key, e.value);
            store.setMetaSize(e.key, e.bytes);
          } else if (e.kind === META_REMOVED) {
            meta.delete(e.key);
            store.setMetaSize(e.key, null);
          }
        }
      }
      const recovered: Recovered = {
        runs: [...runs.values()].map((r) => ({
          key: r.key,
          state: parseState(r.state),
          history: Buffer.concat(r.chunks),
        })),
        meta,
        truncatedBytes,
      };
      return { store, recovered };
    } catch (error) {
      release();
      throw error;
    }
  }

  get file(): string {
    return this.journal.file;
  }

  /** Bytes in the file. */
  get size(): number {
    return this.journal.size;
  }

  /** Estimated bytes of a snapshot of the live state. */
  get liveBytes(): number {
    return this.live;
  }

  get stats(): JournalStats {
    return this.journal.stats;
  }

  /** Enables compaction: the store asks `source` for the live state when the file has grown. */
  setSnapshotSource(source: SnapshotSource): void {
    this.source = source;
  }

  /**
   * Writes a run's state, and the history events added since its last write (history may be
   * omitted when it did not change). Resolves once durable.
   */
  putRun(key: RunKey, state: unknown, history?: HistoryBytes): Promise<void> {
    const id = runId(key);
    const size = this.runSizes.get(id) ?? { state: 0, history: 0 };
    const length = history?.byteLength ?? size.history;
    if (length < size.history) {
      throw new Error(
        `run ${key.join('/')}: history has ${length} bytes, ${size.history} were already written`,
      );
    }
    const delta = history && length > size.history ? history.bytesFrom(size.history) : undefined;
    const entry = encodeRun(key, size.history, state, delta);
    this.setRunSize(id, { state: entry.length - (delta?.byteLength ?? 0), history: length });
    return this.append(entry);
  }

  removeRun(key: RunKey): Promise<void> {
    this.setRunSize(runId(key), null);
    return this.append(encodeRunRemoved(key));
  }

  setMeta(key: string, value: unknown): Promise<void> {
    const entry = encodeMeta(key, value);
    this.setMetaSize(key, entry.length);
    return this.append(entry);
  }

  deleteMeta(key: string): Promise<void> {
    this.setMetaSize(key, null);
    return this.append(encodeMetaRemoved(key));
  }

  /** Rewrites the file as a snapshot of the source's state now. */
  compactNow(): Promise<void> {
    if (!this.source) return Promise.reject(new Error('no snapshot source: compaction is off'));
    const source = this.source;
    this.runSizes.clear();
    this.metaSizes.clear();
    this.live = 0;
    const entries: Buffer[] = [];
    for (const [key, value] of source.meta()) {
      const entry = encodeMeta(key, value);
      entries.push(entry);
      this.setMetaSize(key, entry.length);
    }
    for (const run of source.runs()) {
      const length = run.history.byteLength;
      const entry = encodeRun(run.key, 0, run.state, length > 0 ? run.history.bytesFrom(0) : undefined);
      entries.push(entry);
      // Later writes of this run continue from what the snapshot holds.
      this.setRunSize(runId(run.key), { state: entry.length - length, history: length });
    }
    const done = this.journal.compact(entries).finally(() => {
      if (this.compacting === done) this.compacting = null;
    });
    this.compacting = done;
    return done;
  }

  /** Commits what is pending, closes the file and releases the lock. */
  async close(): Promise<void> {
    try {
      await this.compacting?.catch(() => undefined);
      await this.journal.close();
    } finally {
      this.releaseLock();
    }
  }

  private append(entry: Buffer): Promise<void> {
    const done = this.journal.append(entry);
    this.queueCompactionCheck();
    return done;
  }

  /**
   * Decided on the next turn of the event loop, not inside an append: the server may be between
   * two writes of one request, and the snapshot must see its state whole.
   */
  private queueCompactionCheck(): void {
    if (this.compactCheckQueued || !this.source || this.compacting) return;
    const size = this.journal.size;
    if (size < this.compactMinBytes || size < this.compactRatio * this.live) return;
    this.compactCheckQueued = true;
    setImmediate(() => {
      this.compactCheckQueued = false;
      if (this.compacting) return;
      // A failed compaction fails the journal, which reports through onFailure.
      this.compactNow().catch(() => undefined);
    });
  }

  private setRunSize(id: string, size: RunSize | null): void {
    const old = this.runSizes.get(id);
    if (old) this.live -= old.state + old.history + ENTRY_OVERHEAD;
    if (size) {
      this.runSizes.set(id, size);
      this.live += size.state + size.history + ENTRY_OVERHEAD;
    } else {
      this.runSizes.delete(id);
    }
  }

  private setMetaSize(key: string, bytes: number | null): void {
    const old = this.metaSizes.get(key);
    if (old !== undefined) this.live -= old + ENTRY_OVERHEAD;
    if (bytes === null) {
      this.metaSizes.delete(key);
    } else {
      this.metaSizes.set(key, bytes);
      this.live += bytes + ENTRY_OVERHEAD;
    }
  }
}

function runId(key: RunKey): string {
  return `${key[0]}\n${key[1]}\n${key[2]}`;
}

/** A HistoryBytes over a buffer (tests, and recovered histories). */
export function historyBytes(bytes: Uint8Array): HistoryBytes {
  return {
    byteLength: bytes.byteLength,
    bytesFrom: (offset) => bytes.subarray(offset),
  };
}

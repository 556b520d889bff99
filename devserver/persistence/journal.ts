/**
 * An append-only journal file with group commit: the storage under the server's persistence.
 *
 * Layout: a 16-byte file header (magic, format version, CRC32 of both), then frames. A frame is
 * one commit: a 12-byte header (payload length, CRC32 of the payload, CRC32 of those 8 bytes) and
 * the payload, the entries appended since the previous commit. The frame is the unit of
 * durability: it is written with one write and made durable with one fdatasync, and the promise
 * of every entry in it resolves only then. A crash can therefore damage only the frame written
 * last; on open, damage with no valid frame after it is that torn tail and is cut off, and damage
 * followed by a valid frame is corruption, reported with the file and the offset, never skipped.
 *
 * Compaction replaces the file by a snapshot of the live state (written beside it, synced, renamed
 * over it, directory synced), so the file stays proportional to what is live.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  write,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('TDSJRNL\0', 'latin1');
const VERSION = 1;
export const FILE_HEADER_BYTES = 16;
export const FRAME_HEADER_BYTES = 12;
/** Snapshot frames are cut at about this size (one frame need not hold the whole state). */
const SNAPSHOT_FRAME_BYTES = 4 * 1024 * 1024;

/** Damage in a journal that is not a torn tail: the server must not start on it. */
export class JournalCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(
      `the state file ${file} is damaged at byte ${offset}: ${reason}. ` +
        'It is left as it is; restore it from a copy, or move it away to start with an empty state.',
    );
    this.name = 'JournalCorruptError';
  }
}

/** A frame read back on open: its payload and where it starts in the file. */
export interface Frame {
  offset: number;
  payload: Buffer;
}

/** File operations the journal awaits (replaceable in tests to hold a write or a sync). */
export interface JournalIo {
  write(fd: number, data: Buffer, position: number): Promise<void>;
  datasync(fd: number): Promise<void>;
}

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

export const nodeIo: JournalIo = {
  async write(fd, data, position) {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await writeAsync(fd, data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  },
  datasync: (fd) => fdatasyncAsync(fd),
};

export interface JournalStats {
  /** Frames committed (each one write and one fdatasync). */
  commits: number;
  /** fdatasync/fsync calls, compactions included. */
  syncs: number;
  compactions: number;
  bytesWritten: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Compaction {
  entries: Buffer[];
  /** Appends the snapshot already contains: they are durable once the snapshot is. */
  covered: Deferred[];
}

export class Journal {
  private fd: number;
  /** Where the next frame goes: the end of the last complete frame. */
  private end: number;
  private pending: Buffer[] = [];
  private batch: Deferred | null = null;
  private compaction: Compaction | null = null;
  /** Promises of the commit or compaction being written. */
  private inFlight: Deferred[] = [];
  private running = false;
  private scheduled = false;
  private idle: Deferred | null = null;
  private failure: Error | null = null;
  private closed = false;
  readonly stats: JournalStats = { commits: 0, syncs: 0, compactions: 0, bytesWritten: 0 };

  private constructor(
    readonly file: string,
    fd: number,
    end: number,
    private readonly io: JournalIo,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.fd = fd;
    this.end = end;
  }

  /**
   * Opens (or creates) the journal, cuts a torn tail off, and returns its frames. Throws
   * JournalCorruptError for any other damage.
   */
  static open(
    file: string,
    options: { io?: JournalIo; onFailure?: (error: Error) => void } = {},
  ): { journal: Journal; frames: Frame[]; truncatedBytes: number } {
    file = path.resolve(file);
    // A compaction that did not reach its rename leaves its snapshot beside the file: the journal
    // itself is still whole.
    rmSync(tempPath(file), { force: true });
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      data = Buffer.alloc(0);
    }
    if (data.length === 0) {
      writeFileDurably(file, [fileHeader()]);
      data = fileHeader();
    }
    checkFileHeader(file, data);
    const { frames, end } = readFrames(file, data);
    const fd = openSync(file, 'r+');
    if (end < data.length) {
      ftruncateSync(fd, end);
      fsyncSync(fd);
    }
    const journal = new Journal(file, fd, end, options.io ?? nodeIo, options.onFailure ?? (() => undefined));
    return { journal, frames, truncatedBytes: data.length - end };
  }

  /** Bytes in the file (committed frames). */
  get size(): number {
    return this.end;
  }

  /**
   * Appends entries to the next commit. The promise resolves once they are on disk (written and
   * fdatasync'd), after every entry appended before them; it rejects if the journal failed.
   */
  append(entries: Buffer | readonly Buffer[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`the state file ${this.file} is closed`));
    if (Buffer.isBuffer(entries)) this.pending.push(entries);
    else for (const e of entries) this.pending.push(e);
    this.batch ??= deferred();
    this.schedule();
    return this.batch.promise;
  }

  /**
   * Replaces the file by `snapshot` (entries that rebuild the whole live state as of now). Call it
   * synchronously after the state and its appends are consistent: appends not yet committed are
   * in the snapshot, so they are dropped and become durable with it.
   */
  compact(snapshot: readonly Buffer[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`the state file ${this.file} is closed`));
    const covered = this.compaction?.covered ?? [];
    if (this.batch) covered.push(this.batch);
    this.batch = null;
    this.pending = [];
    const done = deferred();
    covered.push(done);
    this.compaction = { entries: [...snapshot], covered };
    this.schedule();
    return done.promise;
  }

  /** Commits what is pending, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    closeSync(this.fd);
  }

  /** Resolves when nothing is pending or being written. */
  async drain(): Promise<void> {
    while (this.running || this.scheduled || this.pending.length > 0 || this.compaction) {
      if (this.failure) throw this.failure;
      this.idle ??= deferred();
      await this.idle.promise;
    }
    if (this.failure) throw this.failure;
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop: everything appended while handling the current batch of I/O
    // callbacks goes into one frame.
    setImmediate(() => {
      this.scheduled = false;
      void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        if (this.compaction) {
          const job = this.compaction;
          this.compaction = null;
          this.inFlight = job.covered;
          await this.rewrite(job.entries);
          this.inFlight = [];
          for (const d of job.covered) d.resolve();
        } else if (this.pending.length > 0) {
          const entries = this.pending;
          const batch = this.batch!;
          this.pending = [];
          this.batch = null;
          this.inFlight = [batch];
          const frame = encodeFrame(entries);
          await this.io.write(this.fd, frame, this.end);
          await this.io.datasync(this.fd);
          this.end += frame.length;
          this.stats.commits++;
          this.stats.syncs++;
          this.stats.bytesWritten += frame.length;
          this.inFlight = [];
          batch.resolve();
        } else {
          break;
        }
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.running = false;
      const idle = this.idle;
      this.idle = null;
      idle?.resolve();
    }
  }

  /**
   * A failed write or sync leaves the file's tail unknown, and a failed fdatasync may have dropped
   * the dirty pages (retrying it can report success for lost data): stop accepting appends.
   */
  private fail(error: Error): void {
    const failure = new Error(`writing the state file ${this.file} failed: ${error.message}`);
    this.failure = failure;
    for (const d of [...this.inFlight, ...(this.compaction?.covered ?? [])]) d.reject(failure);
    this.batch?.reject(failure);
    this.inFlight = [];
    this.batch = null;
    this.compaction = null;
    this.pending = [];
    this.onFailure(failure);
  }

  private async rewrite(entries: Buffer[]): Promise<void> {
    const temp = tempPath(this.file);
    const fd = openSync(temp, 'w');
    let size = 0;
    try {
      const header = fileHeader();
      await this.io.write(fd, header, 0);
      size = header.length;
      for (const frame of snapshotFrames(entries)) {
        await this.io.write(fd, frame, size);
        size += frame.length;
      }
      await this.io.datasync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    syncDirectory(this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'r+');
    this.end = size;
    this.stats.syncs += 2;
    this.stats.compactions++;
    this.stats.bytesWritten += size;
  }
}

function tempPath(file: string): string {
  return `${file}.compacting`;
}

function fileHeader(): Buffer {
  const b = Buffer.alloc(FILE_HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt32LE(VERSION, 8);
  b.writeUInt32LE(crc32(b.subarray(0, 12)), 12);
  return b;
}

function checkFileHeader(file: string, data: Buffer): void {
  if (data.length < FILE_HEADER_BYTES || !data.subarray(0, 8).equals(MAGIC)) {
    throw new JournalCorruptError(file, 0, 'it is not a temporal-devserver state file (no file header)');
  }
  if (crc32(data.subarray(0, 12)) !== data.readUInt32LE(12)) {
    throw new JournalCorruptError(file, 0, 'the file header fails its checksum');
  }
  const version = data.readUInt32LE(8);
  if (version !== VERSION) {
    throw new JournalCorruptError(
      file,
      8,
      `format version ${version} is not supported (this server: ${VERSION})`,
    );
  }
}

export function encodeFrame(entries: readonly Buffer[]): Buffer {
  let length = 0;
  for (const e of entries) length += e.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  let pos = FRAME_HEADER_BYTES;
  for (const e of entries) pos += e.copy(frame, pos);
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  frame.writeUInt32LE(crc32(frame.subarray(0, 8)), 8);
  return frame;
}

function* snapshotFrames(entries: readonly Buffer[]): Generator<Buffer> {
  let group: Buffer[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (bytes > 0 && bytes + e.length > SNAPSHOT_FRAME_BYTES) {
      yield encodeFrame(group);
      group = [];
      bytes = 0;
    }
    group.push(e);
    bytes += e.length;
  }
  if (group.length > 0) yield encodeFrame(group);
}

type FrameCheck = { ok: true; next: number } | { ok: false; reason: string; torn: boolean };

function checkFrame(data: Buffer, pos: number): FrameCheck {
  if (data.length - pos < FRAME_HEADER_BYTES) {
    return { ok: false, reason: 'the last frame header is incomplete', torn: true };
  }
  if (crc32(data.subarray(pos, pos + 8)) !== data.readUInt32LE(pos + 8)) {
    return { ok: false, reason: 'a frame header fails its checksum', torn: false };
  }
  const next = pos + FRAME_HEADER_BYTES + data.readUInt32LE(pos);
  if (next > data.length) return { ok: false, reason: 'the last frame is incomplete', torn: true };
  if (crc32(data.subarray(pos + FRAME_HEADER_BYTES, next)) !== data.readUInt32LE(pos + 4)) {
    return { ok: false, reason: 'a frame fails its checksum', torn: false };
  }
  return { ok: true, next };
}

/** The valid frames, and where the valid part ends (a torn tail after it is to be cut). */
function readFrames(file: string, data: Buffer): { frames: Frame[]; end: number } {
  const frames: Frame[] = [];
  let pos = FILE_HEADER_BYTES;
  while (pos < data.length) {
    const check = checkFrame(data, pos);
    if (check.ok) {
      frames.push({ offset: pos, payload: data.subarray(pos + FRAME_HEADER_BYTES, check.next) });
      pos = check.next;
      continue;
    }
    // A frame whose header is intact but whose end lies past the file is a write cut short. Any
    // other damage is a torn tail only if no intact frame follows it (a crash tears the last
    // write; sectors of it may have reached the disk out of order, or as zeros).
    if (!check.torn && validFrameAfter(data, pos)) throw new JournalCorruptError(file, pos, check.reason);
    return { frames, end: pos };
  }
  return { frames, end: pos };
}

function validFrameAfter(data: Buffer, from: number): boolean {
  for (let q = from + 1; q + FRAME_HEADER_BYTES <= data.length; q++) {
    if (checkFrame(data, q).ok) return true;
  }
  return false;
}

/** Creates `file` with `parts` through a synced temporary file and a synced rename. */
function writeFileDurably(file: string, parts: Buffer[]): void {
  const temp = `${file}.creating`;
  const fd = openSync(temp, 'w');
  try {
    for (const p of parts) writeSync(fd, p);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  syncDirectory(file);
}

/** Makes a rename or creation in the file's directory durable. */
function syncDirectory(file: string): void {
  const fd = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

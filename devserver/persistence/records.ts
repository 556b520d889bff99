/**
 * The entries a journal frame holds: [kind: u8][body length: u32 LE][body].
 *   RUN           [head length: u32][head: JSON {run, at}][state length: u32][state: JSON][delta]:
 *                 a run's mutable state and the history events written since its previous RUN
 *                 entry (encoded History entries, appended at byte offset `at`). The state is read
 *                 back as bytes and parsed only for the last entry of each run.
 *   RUN_REMOVED   a run deleted (closed and past its namespace's retention)
 *   META          a server-wide value by key (namespaces, search attributes, the clock's offset)
 *   META_REMOVED  such a value deleted
 * Bytes inside states (payloads) are written as {"$b": base64}, non-finite numbers as {"$n": ...}:
 * JSON has neither.
 */
import { JournalCorruptError, type Frame } from './journal';

export const RUN = 1;
export const RUN_REMOVED = 2;
export const META = 3;
export const META_REMOVED = 4;

/** namespace, workflow id, run id. */
export type RunKey = readonly [namespace: string, workflowId: string, runId: string];

export type Entry =
  | { kind: typeof RUN; key: RunKey; at: number; state: Buffer; delta: Buffer }
  | { kind: typeof RUN_REMOVED; key: RunKey }
  | { kind: typeof META; key: string; value: unknown }
  | { kind: typeof META_REMOVED; key: string };

/** An entry read back, with its size in the file. */
export type DecodedEntry = Entry & { bytes: number };

const ENTRY_HEADER_BYTES = 5;

export function encodeRun(key: RunKey, at: number, state: unknown, delta?: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify({ run: key, at }));
  const body = Buffer.from(toJson(state));
  const deltaBytes = delta?.byteLength ?? 0;
  const length = 4 + head.length + 4 + body.length + deltaBytes;
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + length);
  out[0] = RUN;
  out.writeUInt32LE(length, 1);
  let pos = ENTRY_HEADER_BYTES;
  pos = out.writeUInt32LE(head.length, pos);
  pos += head.copy(out, pos);
  pos = out.writeUInt32LE(body.length, pos);
  pos += body.copy(out, pos);
  if (delta && deltaBytes > 0) out.set(delta, pos);
  return out;
}

/** A run's state as a RUN entry holds it. */
export function parseState(state: Buffer): unknown {
  return fromJson(state.toString('utf8'));
}

export function encodeRunRemoved(key: RunKey): Buffer {
  return entry(RUN_REMOVED, Buffer.from(JSON.stringify(key)));
}

export function encodeMeta(key: string, value: unknown): Buffer {
  return entry(META, Buffer.from(toJson({ key, value })));
}

export function encodeMetaRemoved(key: string): Buffer {
  return entry(META_REMOVED, Buffer.from(JSON.stringify(key)));
}

function entry(kind: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + body.length);
  out[0] = kind;
  out.writeUInt32LE(body.length, 1);
  body.copy(out, ENTRY_HEADER_BYTES);
  return out;
}

/** The entries of a frame; an entry the format does not know is reported with its offset. */
export function* decodeEntries(file: string, frame: Frame): Generator<DecodedEntry> {
  const p = frame.payload;
  const base = frame.offset + 12;
  let pos = 0;
  while (pos < p.length) {
    const at = base + pos;
    if (p.length - pos < ENTRY_HEADER_BYTES)
      throw new JournalCorruptError(file, at, 'an entry header is cut');
    const kind = p[pos]!;
    const length = p.readUInt32LE(pos + 1);
    const start = pos + ENTRY_HEADER_BYTES;
    const end = start + length;
    if (end > p.length) throw new JournalCorruptError(file, at, 'an entry runs past its frame');
    let decoded: Entry;
    try {
      decoded = decodeEntry(kind, p.subarray(start, end));
    } catch (error) {
      throw new JournalCorruptError(file, at, (error as Error).message);
    }
    yield Object.assign(decoded, { bytes: end - pos });
    pos = end;
  }
}

function decodeEntry(kind: number, body: Buffer): Entry {
  switch (kind) {
    case RUN: {
      const headLength = body.readUInt32LE(0);
      const stateAt = 4 + headLength;
      if (stateAt + 4 > body.length) throw new Error('a run entry head runs past its entry');
      const head = JSON.parse(body.toString('utf8', 4, stateAt)) as { run: unknown; at: unknown };
      if (!isRunKey(head.run) || !Number.isSafeInteger(head.at))
        throw new Error('a run entry has no valid run key');
      const stateEnd = stateAt + 4 + body.readUInt32LE(stateAt);
      if (stateEnd > body.length) throw new Error('a run entry state runs past its entry');
      // Copies: the frame's buffer is the whole file read at start-up, not to be kept alive.
      return {
        kind,
        key: head.run,
        at: head.at as number,
        state: Buffer.from(body.subarray(stateAt + 4, stateEnd)),
        delta: Buffer.from(body.subarray(stateEnd)),
      };
    }
    case RUN_REMOVED: {
      const key = JSON.parse(body.toString('utf8')) as unknown;
      if (!isRunKey(key)) throw new Error('a run removal has no valid run key');
      return { kind, key };
    }
    case META: {
      const { key, value } = fromJson(body.toString('utf8')) as { key: unknown; value: unknown };
      if (typeof key !== 'string') throw new Error('a meta entry has no key');
      return { kind, key, value };
    }
    case META_REMOVED: {
      const key = JSON.parse(body.toString('utf8')) as unknown;
      if (typeof key !== 'string') throw new Error('a meta removal has no key');
      return { kind, key };
    }
    default:
      throw new Error(`unknown entry kind ${kind}`);
  }
}

function isRunKey(key: unknown): key is RunKey {
  return Array.isArray(key) && key.length === 3 && key.every((k) => typeof k === 'string');
}

/** JSON with bytes and non-finite numbers kept (see the file's comment). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    // `this[key]` is the value before toJSON: a Buffer's toJSON would spell every byte as a number.
    const raw = this[key];
    if (raw instanceof Uint8Array) {
      return { $b: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
    return v;
  });
}

export function fromJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (typeof o.$b === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$b, 'base64');
    if (typeof o.$n === 'string' && Object.keys(o).length === 1) return Number(o.$n);
    return v;
  });
}

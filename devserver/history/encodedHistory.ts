import { TO_OBJECT_OPTIONS, lookupType } from '../grpc/proto';
import type { HistoryEvent } from './events';

/**
 * A run's history kept as encoded bytes: each event is encoded once, when it is written, as one
 * `events` entry of temporal.api.history.v1.History (tag, length, HistoryEvent). Any run of
 * consecutive entries is therefore itself an encoded History, so a workflow task or a history page
 * is a slice of the store, sent as is; events are decoded only when the server must read one.
 *
 * Why bytes: decoded events cost kilobytes per run in objects, and each was converted and encoded
 * again on every send. The bytes live in a one-byte (latin1) string, the most compact container
 * V8 has: no ArrayBuffer and backing store per run, nothing pinned in Buffer pools, and the
 * garbage collector compacts it like any string.
 */
export class EncodedHistory {
  private data = '';
  /** Number of events. */
  length = 0;
  lastEventType = 0;

  /** A history read back from its encoded entries (a restarted server's runs). */
  static fromEncoded(entries: Uint8Array): EncodedHistory {
    const h = new EncodedHistory();
    if (entries.byteLength === 0) return h;
    const bytes = Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength);
    let count = 0;
    let last = 0;
    for (let pos = 0; pos < bytes.length; count++) {
      last = pos;
      pos = entryOffset(bytes, 1, pos, 0);
    }
    const lastEvent = decodeEvents(bytes.subarray(last))[0];
    h.data = bytes.toString('latin1');
    h.length = count;
    h.lastEventType = lastEvent?.eventType ?? 0;
    return h;
  }

  /** Size of the encoded entries, in bytes. */
  get byteLength(): number {
    return this.data.length;
  }

  /** The encoded entries from byte `offset` on (what a persistent server has not written yet). */
  bytesFrom(offset: number): Buffer {
    return Buffer.from(offset === 0 ? this.data : this.data.slice(offset), 'latin1');
  }

  append(event: HistoryEvent): void {
    this.appendEncoded(encodeEvents([event]), 1, event.eventType);
  }

  /** Appends entries produced by encodeEvents (e.g. a transient task's events, once they stay). */
  appendEncoded(entries: Uint8Array, count: number, lastEventType: number): void {
    const added = Buffer.from(entries.buffer, entries.byteOffset, entries.byteLength).toString('latin1');
    // Short histories are kept flat (one copy, no rope of concatenations left in memory); long ones
    // are concatenated in O(1) and flattened by V8 when next read.
    this.data = this.data.length < FLAT_LIMIT ? [this.data, added].join('') : this.data + added;
    this.length += count;
    this.lastEventType = lastEventType;
  }

  /** The encoded History of events fromEventId..toEventId (inclusive; default: to the end). */
  encoded(fromEventId = 1, toEventId = this.length): Buffer {
    const all = Buffer.from(this.data, 'latin1');
    if (fromEventId <= 1 && toEventId >= this.length) return all;
    const start = entryOffset(all, fromEventId - 1);
    const end = toEventId >= this.length ? all.length : entryOffset(all, toEventId, start, fromEventId - 1);
    return all.subarray(start, end);
  }

  /** Decoded events fromEventId..toEventId (tests, and the few places that read an event). */
  events(fromEventId = 1, toEventId = this.length): HistoryEvent[] {
    if (fromEventId > toEventId || this.length === 0) return [];
    return decodeEvents(this.encoded(fromEventId, toEventId));
  }

  lastEvent(): HistoryEvent | undefined {
    return this.events(this.length, this.length)[0];
  }
}

const FLAT_LIMIT = 64 * 1024;

/** Byte offset of entry number `index` (0-based), scanning from a known entry's offset. */
function entryOffset(bytes: Uint8Array, index: number, offset = 0, fromIndex = 0): number {
  let pos = offset;
  for (let i = fromIndex; i < index && pos < bytes.length; i++) {
    pos++; // tag: field 1, length-delimited
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    pos += len;
  }
  return pos;
}

const historyType = () => lookupType('temporal.api.history.v1.History');

/**
 * Encodes events as History entries. The events are plain objects already in the message's shape
 * (numbers for enums and int64, Buffers for bytes), so no conversion pass is needed.
 */
export function encodeEvents(events: readonly HistoryEvent[]): Uint8Array {
  return historyType().encode({ events }).finish();
}

export function decodeEvents(bytes: Uint8Array): HistoryEvent[] {
  const t = historyType();
  return (t.toObject(t.decode(bytes), TO_OBJECT_OPTIONS).events ?? []) as HistoryEvent[];
}

let rawSupported: boolean | undefined;

/**
 * A History message for a response whose events are given encoded: the bytes are written as they
 * are (protobufjs writes a message's `$unknowns` after its fields, and `events` is the only field).
 * Falls back to decoding the events if this protobufjs does not keep unknown fields.
 */
export function historyMessage(encoded: Uint8Array): object {
  const t = historyType();
  rawSupported ??= checkRawSupport();
  if (!rawSupported) return t.fromObject({ events: decodeEvents(encoded) });
  const message = t.fromObject({});
  Object.defineProperty(message, '$unknowns', { value: [encoded], enumerable: false });
  return message;
}

function checkRawSupport(): boolean {
  const probe = encodeEvents([{ eventId: 1, eventTime: { seconds: 1, nanos: 0 }, eventType: 1 }]);
  const message = historyType().fromObject({});
  Object.defineProperty(message, '$unknowns', { value: [probe], enumerable: false });
  return Buffer.from(historyType().encode(message).finish()).equals(Buffer.from(probe));
}

/** The events of a History as a response carries it (encoded entries, or decoded events). */
export function historyEvents(history: unknown): HistoryEvent[] {
  const h = history as { events?: HistoryEvent[]; $unknowns?: Uint8Array[] } | null | undefined;
  if (!h) return [];
  const raw = h.$unknowns ?? [];
  return [...(h.events ?? []), ...raw.flatMap((b) => decodeEvents(b))];
}

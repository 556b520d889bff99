import { Reader } from 'protobufjs/minimal';
import { invalidArgument } from '../grpc/errors';
import type { Execution } from './execution';

/** What sits in a task queue: a reference checked for staleness when a poller takes it. */
export interface WorkflowTaskRef {
  kind: 'workflow';
  exec: Execution;
  dispatchId: number;
}
export interface QueryTaskRef {
  kind: 'query';
  exec: Execution;
  queryId: string;
}
export interface ActivityTaskRef {
  kind: 'activity';
  exec: Execution;
  scheduledEventId: number;
  dispatchId: number;
}

/**
 * Task tokens are opaque to workers: here, compact JSON naming the execution and the task
 * (k: w = workflow task, a = activity, q = query; s: started / scheduled event id; d: dispatch).
 */
export interface TaskToken {
  k: 'w' | 'a' | 'q';
  n: string;
  w: string;
  r: string;
  s?: number;
  a?: number;
  d?: number;
  q?: string;
  /** Only on a token in Temporal's own format (not one this server issued): its namespace id. */
  nsId?: string;
}

export function encodeTaskToken(t: TaskToken): Buffer {
  return Buffer.from(JSON.stringify(t));
}

export function decodeTaskToken(bytes: unknown, expected: TaskToken['k'] | TaskToken['k'][]): TaskToken {
  if (!bytes || !(bytes instanceof Uint8Array) || bytes.length === 0)
    throw invalidArgument('taskToken is not set on request.');
  const kinds = Array.isArray(expected) ? expected : [expected];
  let t: TaskToken;
  try {
    t = JSON.parse(Buffer.from(bytes).toString('utf8')) as TaskToken;
  } catch {
    const foreign = kinds.includes('a') ? decodeTemporalActivityToken(bytes) : undefined;
    if (foreign) return foreign;
    throw invalidArgument('taskToken is malformed.');
  }
  if (!t || typeof t.w !== 'string' || typeof t.r !== 'string' || !kinds.includes(t.k)) {
    throw invalidArgument('taskToken is malformed.');
  }
  return t;
}

/**
 * An activity token as Temporal's server encodes it (temporal.server.api.token.v1.Task, not in
 * @temporalio/proto, so its few fields are read by hand): 1 namespace_id, 2 workflow_id, 3 run_id,
 * 4 scheduled_event_id, 5 attempt; the rest is skipped. Such a token was not issued here (it has no
 * dispatch id), so it never matches a started activity: its holder gets NOT_FOUND, as from
 * Temporal for an activity that is gone, rather than INVALID_ARGUMENT. Undefined when the bytes are
 * not that message.
 */
function decodeTemporalActivityToken(bytes: Uint8Array): TaskToken | undefined {
  const t: TaskToken = { k: 'a', n: '', w: '', r: '', nsId: '' };
  try {
    const reader = Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const wireType = tag & 7;
      const field = tag >>> 3;
      if (field === 0) return undefined;
      if (field >= 1 && field <= 3 && wireType === 2) {
        const value = reader.string();
        if (field === 1) t.nsId = value;
        else if (field === 2) t.w = value;
        else t.r = value;
      } else if ((field === 4 || field === 5) && wireType === 0) {
        const value = reader.int64();
        const n = typeof value === 'number' ? value : value.high * 2 ** 32 + (value.low >>> 0);
        if (field === 4) t.s = n;
        else t.a = n;
      } else {
        reader.skipType(wireType);
      }
    }
  } catch {
    return undefined;
  }
  return t.nsId && t.w && t.r && t.s !== undefined ? t : undefined;
}

let dispatchSeq = 0;

/** A fresh id for one offer of a task: a queued reference whose id is no longer current is stale. */
export function nextDispatchId(): number {
  return ++dispatchSeq;
}

/** After a restore: new dispatches must not reuse an id a worker may still hold in a token. */
export function dispatchIdsAbove(id: number): void {
  dispatchSeq = Math.max(dispatchSeq, id);
}

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
}

export function encodeTaskToken(t: TaskToken): Buffer {
  return Buffer.from(JSON.stringify(t));
}

export function decodeTaskToken(bytes: unknown, expected: TaskToken['k'] | TaskToken['k'][]): TaskToken {
  if (!bytes || !(bytes instanceof Uint8Array) || bytes.length === 0)
    throw invalidArgument('taskToken is not set on request.');
  let t: TaskToken;
  try {
    t = JSON.parse(Buffer.from(bytes).toString('utf8')) as TaskToken;
  } catch {
    throw invalidArgument('taskToken is malformed.');
  }
  const kinds = Array.isArray(expected) ? expected : [expected];
  if (!t || typeof t.w !== 'string' || typeof t.r !== 'string' || !kinds.includes(t.k)) {
    throw invalidArgument('taskToken is malformed.');
  }
  return t;
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

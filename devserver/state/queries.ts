import { status } from '@grpc/grpc-js';
import { RpcError, failedPrecondition } from '../grpc/errors';
import type {
  Header,
  Payloads,
  PollWorkflowTaskQueueResponse,
  QueryResult,
  RespondQueryTaskCompletedRequest,
} from '../grpc/messages';
import { timestamp } from '../history/events';
import { historyMessage } from '../history/encodedHistory';
import { TaskQueueKind } from './enums';
import type { Execution } from './execution';
import { encodeTaskToken, type QueryTaskRef } from './taskRefs';

/**
 * Queries: answered by a worker, either attached to the next workflow task (when one is
 * scheduled or in flight) or as a query task of their own (legacy query; no history event).
 * A query holds its caller's promise, so all of this is runtime-only state.
 */

export interface PendingQuery {
  id: string;
  queryType: string;
  queryArgs?: Payloads | null;
  header?: Header | null;
  resolve(result: Payloads | null | undefined): void;
  reject(err: Error): void;
  /** Addressed by workflow id alone: it follows the chain when its run continues as new. */
  followsChain?: boolean;
  /** Handed to a worker as a query task (a second copy of the task is then stale). */
  started?: boolean;
  /** Moves the query task off a sticky queue whose worker does not take it. */
  stickyFallback?: NodeJS.Timeout;
  /** Offers a query task again when the worker that took it does not answer. */
  redelivery?: NodeJS.Timeout;
}

/**
 * How long a query task waits on a sticky queue before the normal queue serves it too. A live
 * sticky worker always has a poll waiting; one that died without ShutdownWorker never takes it,
 * and the query would wait for its deadline.
 */
const STICKY_QUERY_FALLBACK_MS = 1000;

/**
 * How long a worker may hold a query task before a copy is offered on the normal queue. The SDK's
 * core drops query tasks it buffered for a run it then evicts (a run that just closed, or one
 * pushed out of a full cache) without answering them; the first answer of either copy counts.
 */
const QUERY_REDELIVERY_MS = 5000;

/** Answers a query through a worker: attached to the next workflow task, or as a query task. */
export function query(run: Execution, q: PendingQuery): void {
  (run.queriesById ??= new Map()).set(q.id, q);
  const wft = run.state.wft;
  if (run.isRunning && wft?.state === 'scheduled') run.wftQueries.push(q);
  else if (run.isRunning && wft) (run.waitingQueries ??= []).push(q);
  else dispatchQuery(run, q);
  run.notify();
}

export function forgetQuery(run: Execution, id: string): void {
  const q = run.queriesById?.get(id);
  if (!q) {
    // It may have moved on with the chain (see dispatchQuery).
    const next = run.state.nextRunId;
    if (next) run.host.runById(next)?.forgetQuery(id);
    return;
  }
  forget(run, q);
  run.waitingQueries = run.waitingQueries?.filter((w) => w !== q);
  if (run.state.wft) run.wftQueries = run.wftQueries.filter((w) => w !== q);
}

function forget(run: Execution, q: PendingQuery): void {
  clearTimeout(q.stickyFallback);
  clearTimeout(q.redelivery);
  run.queriesById?.delete(q.id);
  if (run.queriesById?.size === 0) run.queriesById = undefined;
}

/** Queries a task carried and did not answer go back to wait for the next one. */
export function requeueQueries(run: Execution, queries: PendingQuery[]): void {
  if (queries.length) run.waitingQueries = [...queries, ...(run.waitingQueries ?? [])];
}

/** Queries that waited for a task in flight: onto the next task if one is scheduled, else alone. */
export function dispatchWaitingQueries(run: Execution): void {
  const waiting = run.waitingQueries;
  if (!waiting) return;
  run.waitingQueries = undefined;
  if (run.isRunning && run.state.wft?.state === 'scheduled') run.wftQueries.push(...waiting);
  else for (const q of waiting) dispatchQuery(run, q);
}

function dispatchQuery(run: Execution, q: PendingQuery): void {
  if (!run.queriesById?.has(q.id)) return;
  const s = run.state;
  const next = !run.isRunning && q.followsChain && s.nextRunId && run.host.runById(s.nextRunId);
  if (next) {
    // Asked of the workflow, not of this run: the run that continues it answers. A query task
    // for this run would reach a worker that is evicting it, and could go unanswered.
    forget(run, q);
    next.query(q);
    return;
  }
  if (s.previousStartedEventId === 0) {
    forget(run, q);
    q.reject(
      failedPrecondition(
        'Workflow closed before its first workflow task completed; it cannot answer queries.',
      ),
    );
    return;
  }
  const sticky = run.isRunning ? s.sticky?.queue : undefined;
  run.host.enqueueWorkflowTask(sticky ?? s.taskQueue, { kind: 'query', exec: run, queryId: q.id });
  if (!sticky) return;
  // Real time, not the virtual clock: waiting for a worker must not make time skip.
  q.stickyFallback = setTimeout(() => {
    if (run.queriesById?.get(q.id) !== q || q.started) return;
    run.host.enqueueWorkflowTask(s.taskQueue, { kind: 'query', exec: run, queryId: q.id });
  }, STICKY_QUERY_FALLBACK_MS);
  q.stickyFallback.unref();
}

export function startQueryTask(
  run: Execution,
  ref: QueryTaskRef,
  fromSticky: boolean,
): PollWorkflowTaskQueueResponse | null {
  const q = run.queriesById?.get(ref.queryId);
  if (!q || q.started) return null;
  const s = run.state;
  q.started = true;
  clearTimeout(q.stickyFallback);
  // Real time, as for the sticky fallback.
  q.redelivery = setTimeout(() => {
    if (run.queriesById?.get(q.id) !== q) return;
    q.started = false;
    run.host.enqueueWorkflowTask(s.taskQueue, { kind: 'query', exec: run, queryId: q.id });
  }, QUERY_REDELIVERY_MS);
  q.redelivery.unref();
  return {
    taskToken: encodeTaskToken({ k: 'q', n: s.namespace, w: s.workflowId, r: s.runId, q: q.id }),
    workflowExecution: { workflowId: s.workflowId, runId: s.runId },
    workflowType: { name: s.workflowType },
    previousStartedEventId: s.previousStartedEventId,
    // No Started event: a query task adds nothing to history. The SDK's core tells a query-only
    // task by startedEventId 0 (as the real server sends); with any other id it takes the task
    // for a new workflow task, and of several buffered for one run keeps only the last.
    startedEventId: 0,
    attempt: 1,
    history: fromSticky ? {} : historyMessage(s.history.encoded()),
    query: { queryType: q.queryType, queryArgs: q.queryArgs ?? undefined, header: q.header ?? undefined },
    workflowExecutionTaskQueue: { name: s.taskQueue, kind: TaskQueueKind.Normal },
    scheduledTime: timestamp(run.host.clock.now()),
    startedTime: timestamp(run.host.clock.now()),
  };
}

/** RespondQueryTaskCompleted. */
export function answerQuery(run: Execution, id: string, req: RespondQueryTaskCompletedRequest): void {
  const q = run.queriesById?.get(id);
  if (!q) throw new RpcError(status.NOT_FOUND, 'Query not found (it was answered or timed out).');
  settleQuery(run, q, req);
}

/** The queryResults of a workflow task completion, for the queries that task carried. */
export function answerQueries(
  run: Execution,
  attached: PendingQuery[],
  results: Record<string, QueryResult>,
): void {
  for (const q of attached) {
    const r = results[q.id];
    if (r)
      settleQuery(run, q, {
        completedType: r.resultType,
        queryResult: r.answer,
        errorMessage: r.errorMessage,
        failure: r.failure,
      });
    else (run.waitingQueries ??= []).push(q);
  }
}

function settleQuery(
  run: Execution,
  q: PendingQuery,
  r: Pick<RespondQueryTaskCompletedRequest, 'completedType' | 'queryResult' | 'errorMessage' | 'failure'>,
): void {
  forget(run, q);
  if (r.completedType === 2)
    q.reject(new RpcError(status.INVALID_ARGUMENT, r.errorMessage || r.failure?.message || 'query failed'));
  else q.resolve(r.queryResult);
}

/** Rejects every query still waiting (server shutdown). */
export function abandonQueries(run: Execution, err: Error): void {
  for (const q of [...(run.queriesById?.values() ?? [])]) {
    forget(run, q);
    q.reject(err);
  }
}

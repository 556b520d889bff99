// The live side of an order: its workflow. Every call is bounded, so a slow or absent Temporal
// turns into a clear 503/504 problem instead of a hanging request.
import { setTimeout as delay } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import type { ActionSignal, OrderView, TransitionEntry } from '../../workflows/contract';
import { HttpProblem } from '../problem';

const QUERY_TIMEOUT_MS = 3_000;
const POLL_INTERVAL_MS = 40;
const ATTEMPT_TIMEOUT_MS = 750;

export type LiveView = { found: true; view: OrderView } | { found: false };

/** The cause goes to the log (problemHandler), not to the caller: it names hosts and internals. */
function unavailable(error: unknown): HttpProblem {
  return new HttpProblem(503, 'the workflow service did not answer; try again later', {}, undefined, error);
}

const isNotFound = (error: unknown): boolean =>
  error instanceof WorkflowNotFoundError ||
  (error instanceof Error && /not found/i.test(error.message) && (error as { code?: number }).code === 5);

/** The workflow's `status` query; `found: false` when there is no such workflow. */
export async function queryStatus(
  temporal: Client,
  workflowId: string,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<LiveView> {
  try {
    const view = await temporal.withDeadline(Date.now() + timeoutMs, () =>
      temporal.workflow.getHandle(workflowId).query<OrderView>('status'),
    );
    return { found: true, view };
  } catch (error) {
    if (isNotFound(error)) return { found: false };
    throw unavailable(error);
  }
}

/**
 * Starts a workflow at most once per id: a second start of the same id (a retried or concurrent
 * duplicate request) finds the first one, running or closed, and never starts another run.
 */
export async function startOnce(
  temporal: Client,
  options: { workflowType: string; workflowId: string; taskQueue: string; input: unknown },
): Promise<void> {
  try {
    await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      temporal.workflow.start(options.workflowType, {
        workflowId: options.workflowId,
        taskQueue: options.taskQueue,
        args: [options.input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw unavailable(error);
  }
}

/** Polls the `status` query until the predicate holds or the time is up; the last view, if any. */
export async function viewWhen(
  temporal: Client,
  workflowId: string,
  predicate: (view: OrderView) => boolean,
  timeoutMs: number,
): Promise<OrderView | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderView | undefined;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return last;
    try {
      // Short attempts: a worker that evicts the run drops the query tasks it had buffered for it
      // (the SDK's core does), and the next attempt is answered.
      const live = await queryStatus(temporal, workflowId, Math.min(Math.max(left, 50), ATTEMPT_TIMEOUT_MS));
      if (live.found) {
        last = live.view;
        if (predicate(live.view)) return live.view;
      }
    } catch {
      // A workflow whose first task has not run yet cannot answer; try again until the deadline.
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** The history entry a signal produced, once the workflow has handled it. */
export function entryFor(
  view: OrderView,
  since: number,
  action: string,
  signal: ActionSignal,
): TransitionEntry | undefined {
  return view.transitions.slice(since).find((e) => {
    const requestId = (e as { requestId?: unknown }).requestId;
    if (typeof requestId === 'string') return requestId === signal.requestId;
    return e.action === action && e.actor.role === signal.actor.role && e.actor.id === signal.actor.id;
  });
}

/** Sends the signal, then waits (bounded) for the workflow to record it. */
export async function signalAndWait(
  temporal: Client,
  workflowId: string,
  action: string,
  signal: ActionSignal,
  since: number,
  timeoutMs: number,
): Promise<{ view?: OrderView; entry?: TransitionEntry }> {
  try {
    await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      temporal.workflow.getHandle(workflowId).signal(action, signal),
    );
  } catch (error) {
    if (isNotFound(error)) throw new HttpProblem(409, 'the order no longer accepts actions');
    throw unavailable(error);
  }
  const view = await viewWhen(
    temporal,
    workflowId,
    (v) => entryFor(v, since, action, signal) !== undefined,
    timeoutMs,
  );
  return { view, entry: view ? entryFor(view, since, action, signal) : undefined };
}

import type { Failure } from '../grpc/messages';
import { duration } from '../history/events';
import type { ContinuedAsNewAttributes } from './close';
import type { Execution } from './execution';
import { RetryState, nextRetry, withDefaults } from './retry';

/**
 * The workflow's own retry policy (a start option): a run that fails, or times out, is followed by
 * a new run of attempt + 1 after the policy's backoff, as Temporal's history service does it. The
 * closing event says IN_PROGRESS and names the new run (the SDK's `result()` follows it); the new
 * run's started event has the failure as `continuedFailure` and the backoff as
 * `firstWorkflowTaskBackoff`.
 */

/** ContinueAsNewInitiator of temporal.api.enums.v1. */
export const ContinueAsNewInitiator = { Workflow: 1, Retry: 2, CronSchedule: 3 } as const;

export interface WorkflowRetry {
  retryState: number;
  /** Set when retrying: the next run's id, for the closing event. */
  newExecutionRunId?: string;
  /** Starts the next run; call once the run is closed. */
  start: () => void;
}

const NOTHING = (): void => undefined;

export function workflowRetry(
  run: Execution,
  failure: Failure | null | undefined,
  timedOut: boolean,
): WorkflowRetry {
  const s = run.state;
  if (!s.retryPolicy)
    return { retryState: timedOut ? RetryState.Timeout : RetryState.RetryPolicyNotSet, start: NOTHING };
  const info = failure?.applicationFailureInfo;
  const now = run.host.clock.now();
  const decision = nextRetry(
    withDefaults(s.retryPolicy),
    s.attempt ?? 1,
    { type: info?.type, nonRetryable: !!info?.nonRetryable },
    now,
    s.executionTimeoutMs ? (s.executionStartTime ?? s.startTime) + s.executionTimeoutMs : 0,
  );
  if (!decision.retry) return { retryState: decision.state, start: NOTHING };
  const newRunId = run.host.newRunId();
  const attrs: ContinuedAsNewAttributes = {
    ...sameWorkflowAgain(run, newRunId, decision.delayMs),
    initiator: ContinueAsNewInitiator.Retry,
    failure: failure ?? undefined,
  };
  return {
    retryState: RetryState.InProgress,
    newExecutionRunId: newRunId,
    start: () => run.host.continueAsNew(run, attrs, newRunId),
  };
}

/**
 * The run a retry or a cron schedule starts: the same workflow, input and timeouts as this run's,
 * after `delayMs`, under the same retry policy.
 */
export function sameWorkflowAgain(
  run: Execution,
  newRunId: string,
  delayMs: number,
): ContinuedAsNewAttributes {
  const s = run.state;
  const started = run.history.events(1, 1)[0]!.workflowExecutionStartedEventAttributes!;
  return {
    newExecutionRunId: newRunId,
    workflowType: { name: s.workflowType },
    taskQueue: { name: s.taskQueue, kind: 1 },
    input: started.input ?? undefined,
    header: started.header ?? undefined,
    workflowRunTimeout: s.runTimeoutMs ? duration(s.runTimeoutMs) : undefined,
    workflowTaskTimeout: duration(s.taskTimeoutMs),
    backoffStartInterval: duration(delayMs),
    retryPolicy: s.retryPolicy,
  };
}

/** The failure a run timeout gives the next attempt (Temporal: "workflow timeout", START_TO_CLOSE). */
export const RUN_TIMEOUT_FAILURE: Failure = {
  message: 'workflow timeout',
  timeoutFailureInfo: { timeoutType: 1 },
};

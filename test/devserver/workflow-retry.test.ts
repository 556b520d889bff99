/**
 * A workflow's own retry policy: a failed (or timed-out) run is followed by a new run of
 * attempt + 1 after the backoff, which sees the failure (`workflowInfo().lastFailure`) and the
 * chain's first run id; `result()` follows the chain, as the SDK's own test-integration does.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';

const EventType = temporal.api.enums.v1.EventType;
const t = useConformanceEnv();

describeEachCacheMode(t, (w) => {
  test('a failed run is retried as a new run, attempt + 1, after the backoff', async () => {
    const workflowId = uid('wf-retry');
    const handle = await t.env.client.workflow.start('retriedWorkflow', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [3],
      retry: { initialInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 5 },
    });
    const before = await t.env.currentTimeMs();
    const result = (await handle.result()) as Record<string, unknown>;
    expect(result).toMatchObject({
      attempt: 3,
      lastFailure: 'attempt 2 failed',
      firstExecutionRunId: handle.firstExecutionRunId,
    });
    // Backoffs of 1 and 2 minutes, skipped.
    expect((await t.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * 60_000);

    const first = await t.env.client.workflow
      .getHandle(workflowId, handle.firstExecutionRunId)
      .fetchHistory();
    const failed = first.events!.at(-1)!;
    expect(failed.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
    expect(failed.workflowExecutionFailedEventAttributes?.retryState).toBe(
      temporal.api.enums.v1.RetryState.RETRY_STATE_IN_PROGRESS,
    );
    const secondRunId = failed.workflowExecutionFailedEventAttributes!.newExecutionRunId!;
    const second = await t.env.client.workflow.getHandle(workflowId, secondRunId).fetchHistory();
    const started = second.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started).toMatchObject({
      attempt: 2,
      continuedExecutionRunId: handle.firstExecutionRunId,
      firstExecutionRunId: handle.firstExecutionRunId,
      initiator: temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
    });
    expect(started.continuedFailure?.message).toBe('attempt 1 failed');
    expect(Number(started.firstWorkflowTaskBackoff?.seconds)).toBe(60);
  });

  test('maximum attempts reached: the last failure is the result, MAXIMUM_ATTEMPTS_REACHED', async () => {
    const handle = await t.env.client.workflow.start('retriedWorkflow', {
      taskQueue: w.taskQueue,
      workflowId: uid('wf-retry-max'),
      args: [10],
      retry: { initialInterval: '1 second', maximumAttempts: 2 },
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).message).toBe('attempt 2 failed');
  });

  test('a non-retryable error type is not retried', async () => {
    const handle = await t.env.client.workflow.start('retriedWorkflow', {
      taskQueue: w.taskQueue,
      workflowId: uid('wf-retry-nonretryable'),
      args: [10],
      retry: { initialInterval: '1 second', nonRetryableErrorTypes: ['WorkflowFlaky'] },
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    const history = await handle.fetchHistory();
    expect(history.events!.at(-1)!.workflowExecutionFailedEventAttributes?.newExecutionRunId ?? '').toBe('');
  });

  test('a run that times out is retried too', async () => {
    const handle = await t.env.client.workflow.start('retriedWorkflow', {
      taskQueue: w.taskQueue,
      workflowId: uid('wf-retry-timeout'),
      args: [2, true],
      workflowRunTimeout: '1 hour',
      retry: { initialInterval: '1 second', maximumAttempts: 3 },
    });
    await expect(handle.result()).resolves.toMatchObject({ attempt: 2, lastFailure: 'workflow timeout' });
  });

  test('without a retry policy a failure is final (RETRY_POLICY_NOT_SET)', async () => {
    const handle = await t.env.client.workflow.start('retriedWorkflow', {
      taskQueue: w.taskQueue,
      workflowId: uid('wf-no-retry'),
      args: [2],
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).retryState).toBe(RetryState.RETRY_POLICY_NOT_SET);
  });
});

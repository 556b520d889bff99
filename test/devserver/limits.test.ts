/**
 * The history-size and blob-size limits of Temporal's history service and frontend, set by
 * dynamic config (`--dynamic-config-value KEY=VALUE`, here through the launcher in the
 * time-skipping form), as the official SDK sees them: `workflowInfo()` continue-as-new
 * suggestions, the namespace's advertised blob limit (which the SDK's core enforces on its own
 * completions), and the server's refusals (sdk-typescript test-integration-workflow-info.ts and
 * test-payload-size-limits.ts).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { TerminatedFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DevServer } from '../../devserver';
import { parseDynamicConfigFlags } from '../../devserver/dynamicConfig';
import { eventually } from '../helpers/eventually';
import {
  describeEachCacheMode,
  startWorker,
  uid,
  useConformanceEnv,
  withWorker,
  type RunningWorker,
} from './support';
import type { HistoryInfoStep } from './workflows/conformance';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

const SUGGEST_COUNT = 40;
const SUGGEST_SIZE = 1500;
const BLOB_ERROR = 10 * 1024;
const BLOB_WARN = 2 * 1024;

const t = useConformanceEnv({
  dynamicConfig: {
    'limit.historyCount.suggestContinueAsNew': SUGGEST_COUNT,
    'limit.historySize.suggestContinueAsNew': SUGGEST_SIZE,
    'limit.blobSize.error': BLOB_ERROR,
    'limit.blobSize.warn': BLOB_WARN,
  },
});

const oversized = 'x'.repeat(BLOB_ERROR + 1024);

async function refusal(call: Promise<unknown>): Promise<{ code?: number; details?: string }> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  // The client wraps the gRPC error of start and signal-with-start; signal raises it as is.
  const grpc = isGrpcServiceError(err) ? err : (err as { cause?: unknown })?.cause;
  if (!isGrpcServiceError(grpc)) throw new Error(`expected a gRPC error, got ${String(err)}`);
  return { code: grpc.code, details: grpc.details };
}

describeEachCacheMode(t, (w, maxCachedWorkflows) => {
  const opts = (prefix: string) => ({ taskQueue: w.taskQueue, workflowId: uid(prefix) });

  // test-integration-workflow-info.ts: 'HistorySize grows with new WFT', 'ContinueAsNew is suggested'
  test('continue-as-new is suggested once the history passes the event-count or size threshold', async () => {
    const handle = await t.env.client.workflow.start('historyInfoSteps', { ...opts('can'), args: [10] });
    const steps: HistoryInfoStep[] = await handle.result();
    for (const [i, step] of steps.entries()) {
      if (i > 0) expect(step.historySize).toBeGreaterThan(steps[i - 1]!.historySize);
      const reasons = [
        ...(step.historySize >= SUGGEST_SIZE ? ['HISTORY_SIZE_TOO_LARGE'] : []),
        ...(step.historyLength >= SUGGEST_COUNT ? ['TOO_MANY_HISTORY_EVENTS'] : []),
      ];
      expect(step).toEqual({
        ...step,
        continueAsNewSuggested: reasons.length > 0,
        reasons: reasons.length ? reasons : undefined,
      });
    }
    // The first task is below both; the size passes first, the count later.
    expect(steps[0]).toMatchObject({ continueAsNewSuggested: false });
    expect(steps.some((s) => s.reasons?.length === 1)).toBe(true);
    expect(steps.at(-1)!.reasons).toEqual(['HISTORY_SIZE_TOO_LARGE', 'TOO_MANY_HISTORY_EVENTS']);

    // The started events in history say the same (what a replay reads).
    const started = (await handle.fetchHistory()).events!.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    );
    expect(started.map((e) => !!e.workflowTaskStartedEventAttributes?.suggestContinueAsNew)).toEqual(
      steps.map((s) => s.continueAsNewSuggested),
    );
    expect((await handle.describe()).historySize).toBeGreaterThan(steps.at(-1)!.historySize);
  });

  // test-payload-size-limits.ts: 'disablePayloadErrorLimit sends the oversized payload to the server'
  test('an activity input over the blob limit fails the task and terminates the workflow', async () => {
    await withWorker(t.env, t.bundle, { maxCachedWorkflows, disablePayloadErrorLimit: true }, async (raw) => {
      const handle = await t.env.client.workflow.start('payloadSizeLimits', {
        taskQueue: raw.taskQueue,
        workflowId: uid('blob-activity'),
        args: [{ activityInputDataSize: BLOB_ERROR + 1024, workflowOutputDataSize: 0 }],
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
      const message =
        'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES: ScheduleActivityTaskCommandAttributes.Input exceeds size limit.';
      const events = (await handle.fetchHistory()).events!;
      expect(events.slice(-2).map((e) => e.eventType)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      ]);
      expect(events.at(-2)!.workflowTaskFailedEventAttributes).toMatchObject({
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        failure: { message, serverFailureInfo: {} },
      });
      expect(events.at(-1)!.workflowExecutionTerminatedEventAttributes).toMatchObject({
        reason: message,
        identity: 'history-service',
      });
      expect(events.some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toBe(false);
    });
  });

  test('an activity result over the blob limit is recorded as a non-retryable failure', async () => {
    await withWorker(t.env, t.bundle, { maxCachedWorkflows, disablePayloadErrorLimit: true }, async (raw) => {
      const handle = await t.env.client.workflow.start('runActivity', {
        taskQueue: raw.taskQueue,
        workflowId: uid('blob-result'),
        args: [{ name: 'sized', args: [BLOB_ERROR + 1024], maximumAttempts: 3 }],
      });
      expect(await handle.result()).toEqual({
        failure: 'ServerFailure',
        message: 'Complete result exceeds size limit.',
      });
      const failed = (await handle.fetchHistory()).events!.filter(
        (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      );
      // Not retried: one attempt.
      expect(failed.map((e) => e.activityTaskFailedEventAttributes?.failure?.serverFailureInfo)).toEqual([
        { nonRetryable: true },
      ]);
    });
  });

  // test-payload-size-limits.ts: 'oversized worker completion is failed by core ...'
  test("the SDK's core reads the advertised limit and fails its own oversized completion", async () => {
    const handle = await t.env.client.workflow.start('payloadSizeLimits', {
      ...opts('blob-result'),
      args: [{ activityInputDataSize: 0, workflowOutputDataSize: BLOB_ERROR + 1024 }],
    });
    const history = await eventually(
      async () => (await handle.fetchHistory()).events ?? [],
      (events) => events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED),
    );
    expect(
      history.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)!
        .workflowTaskFailedEventAttributes?.cause,
    ).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_PAYLOADS_TOO_LARGE);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('done');
  });
});

describe('activity answers over the blob limit, as Temporal records them', () => {
  const run = (name: 'heartbeatSized' | 'failSized') =>
    withWorker(t.env, t.bundle, { disablePayloadErrorLimit: true }, async (raw) => {
      const handle = await t.env.client.workflow.start('runActivity', {
        taskQueue: raw.taskQueue,
        workflowId: uid(`blob-${name}`),
        args: [{ name, args: [BLOB_ERROR + 1024], maximumAttempts: 3 }],
      });
      const outcome = await handle.result();
      const failed = (await handle.fetchHistory()).events!.filter(
        (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      );
      return { outcome, failures: failed.map((e) => e.activityTaskFailedEventAttributes!.failure!) };
    });

  test('heartbeat details fail the attempt at once, not retried', async () => {
    const { outcome, failures } = await run('heartbeatSized');
    expect(outcome).toEqual({ failure: 'ServerFailure', message: 'Heartbeat details exceed size limit.' });
    expect(failures).toHaveLength(1);
  });

  test('cancellation details are recorded as a non-retryable failure', async () => {
    // The SDK's worker sends no details of its own: a raw worker answers the attempt.
    const activityQueue = uid('raw-activities');
    await withWorker(t.env, t.bundle, {}, async (w) => {
      const handle = await t.env.client.workflow.start('runActivity', {
        taskQueue: w.taskQueue,
        workflowId: uid('blob-cancel'),
        args: [{ name: 'greet', args: ['x'], taskQueue: activityQueue }],
      });
      const task = await t.env.client.workflowService.pollActivityTaskQueue({
        namespace: 'default',
        taskQueue: { name: activityQueue },
        identity: 'raw-worker',
      });
      await t.env.client.workflowService.respondActivityTaskCanceled({
        namespace: 'default',
        taskToken: task.taskToken,
        details: { payloads: [{ metadata: {}, data: Buffer.from(oversized) }] },
        identity: 'raw-worker',
      });
      await expect(handle.result()).resolves.toEqual({
        failure: 'ServerFailure',
        message: 'Cancel details exceed size limit.',
      });
    });
  });

  test('a failure is replaced by a server failure caused by the original cut to the warn limit', async () => {
    const { outcome, failures } = await run('failSized');
    expect(outcome).toEqual({ failure: 'ServerFailure', message: 'Failure exceeds size limit.' });
    expect(failures).toHaveLength(1);
    const cause = failures[0]!.cause!;
    expect(cause.applicationFailureInfo).toMatchObject({ type: 'Sized' });
    expect(cause.message).toMatch(/^m+$/);
    expect(cause.message!.length).toBeLessThanOrEqual(BLOB_WARN);
    expect(cause.message!.length).toBeGreaterThan(BLOB_WARN / 2);
  });
});

describe('the frontend refuses a payload over the blob limit, and nothing changes', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle);
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('DescribeNamespace advertises the error limit', async () => {
    const ns = await t.env.client.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(ns.namespaceInfo?.limits?.blobSizeLimitError)).toBe(BLOB_ERROR);
  });

  test('start, signal and signal-with-start: INVALID_ARGUMENT "Blob data size exceeds limit."', async () => {
    const refused = { code: grpcStatus.INVALID_ARGUMENT, details: 'Blob data size exceeds limit.' };
    const started = uid('blob-start');
    await expect(
      refusal(
        t.env.client.workflow.start('echo', {
          taskQueue: w.taskQueue,
          workflowId: started,
          args: [oversized],
        }),
      ),
    ).resolves.toEqual(refused);
    await expect(t.env.client.workflow.getHandle(started).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const handle = await t.env.client.workflow.start('collector', {
      taskQueue: w.taskQueue,
      workflowId: uid('blob-sig'),
    });
    await expect(refusal(handle.signal('addItem', oversized))).resolves.toEqual(refused);
    const withStart = { taskQueue: w.taskQueue, workflowId: handle.workflowId, signal: 'addItem' };
    await expect(
      refusal(t.env.client.workflow.signalWithStart('collector', { ...withStart, signalArgs: [oversized] })),
    ).resolves.toEqual(refused);
    const fresh = uid('blob-sws');
    await expect(
      refusal(
        t.env.client.workflow.signalWithStart('collector', {
          ...withStart,
          workflowId: fresh,
          signalArgs: [oversized],
        }),
      ),
    ).resolves.toEqual(refused);
    await expect(t.env.client.workflow.getHandle(fresh).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    // Under the limit (and over the warn limit) is accepted.
    await handle.signal('addItem', 'y'.repeat(BLOB_WARN + 1));
    await handle.signal('finish');
    expect(await handle.result()).toEqual(['y'.repeat(BLOB_WARN + 1)]);
  });
});

describe('dynamic config', () => {
  test("Temporal's defaults: 4Ki events, 4 MiB history, 2 MiB / 512 KiB blobs, 10 / 2000 updates; bad values refused", async () => {
    expect(new DevServer().dynamicConfig).toEqual({
      'limit.historyCount.suggestContinueAsNew': 4096,
      'limit.historySize.suggestContinueAsNew': 4 * 1024 * 1024,
      'limit.blobSize.error': 2 * 1024 * 1024,
      'limit.blobSize.warn': 512 * 1024,
      'history.maxInFlightUpdates': 10,
      'history.maxTotalUpdates': 2000,
    });
    expect(() => new DevServer({ dynamicConfig: { 'limit.blobSize.error': -1 } })).toThrow(
      'dynamic config value of "limit.blobSize.error" must be a whole number >= 0, got -1',
    );
    expect(
      parseDynamicConfigFlags(['limit.blobSize.warn=100', 'frontend.enableUpdateWorkflowExecution=true']),
    ).toEqual({
      values: { 'limit.blobSize.warn': 100 },
      warnings: [
        'ignoring dynamic config key "frontend.enableUpdateWorkflowExecution" (not implemented by this server)',
      ],
    });
    expect(() => parseDynamicConfigFlags(['limit.historyCount.suggestContinueAsNew=many'])).toThrow(
      '--dynamic-config-value limit.historyCount.suggestContinueAsNew: "many" is not a JSON value',
    );
    expect(() => parseDynamicConfigFlags(['limit.blobSize.error'])).toThrow('is not KEY=VALUE');
  });
});

/**
 * Eager workflow start and eager activity dispatch (issue 18, item 15), as the SDK's own tests
 * assert them (sdk-typescript test-integration-workflow-start.ts): the server hands the first
 * workflow task back in StartWorkflowExecution's response, and the activity tasks a completion asks
 * to run eagerly in RespondWorkflowTaskCompleted's, with the worker cache on and off.
 */
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { CACHE_MODES, uid, useConformanceEnv, withWorker } from './support';

const EventType = temporal.api.enums.v1.EventType;
const t = useConformanceEnv();

const eventsOf = async (handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }) =>
  (await handle.fetchHistory()).events ?? [];

test('the namespace advertises eager workflow start', async () => {
  const described = await t.env.client.workflowService.describeNamespace({ namespace: 'default' });
  expect(described.namespaceInfo?.capabilities?.eagerWorkflowStart).toBe(true);
});

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  test('Worker requests Eager Activity Dispatch if possible', async () => {
    // With eager dispatch every activity goes to the workflow's worker; without it, each has an
    // even chance of reaching the activity-only worker, which fails the workflow.
    const taskQueue = uid('eager-activities');
    const workflowConnection = await NativeConnection.connect({ address: t.env.address });
    try {
      await withWorker(
        t.env,
        t.bundle,
        { taskQueue, workflowBundle: undefined, activities: { testActivity: () => 'activity-only-worker' } },
        () =>
          withWorker(
            t.env,
            t.bundle,
            {
              taskQueue,
              connection: workflowConnection,
              maxCachedWorkflows,
              activities: { testActivity: () => 'workflow-and-activity-worker' },
            },
            async () => {
              const handle = await t.env.client.workflow.start('executeEagerActivity', {
                taskQueue,
                workflowId: uid('eager-activities'),
              });
              await handle.result();
              const events = await eventsOf(handle);
              expect(events.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(false);
              const started = events.filter((e) => e.activityTaskStartedEventAttributes);
              expect(started).toHaveLength(30);
              expect(started.every((e) => e.activityTaskStartedEventAttributes?.attempt === 1)).toBe(true);
            },
          ),
      );
    } finally {
      await workflowConnection.close();
    }
  });

  test("Worker doesn't request Eager Activity Dispatch if no activities are registered", async () => {
    const taskQueue = uid('no-eager-activities');
    const workflowConnection = await NativeConnection.connect({ address: t.env.address });
    try {
      await withWorker(
        t.env,
        t.bundle,
        { taskQueue, workflowBundle: undefined, activities: { testActivity: () => 'success' } },
        () =>
          withWorker(
            t.env,
            t.bundle,
            { taskQueue, connection: workflowConnection, maxCachedWorkflows, activities: {} },
            async () => {
              const handle = await t.env.client.workflow.start('dontExecuteEagerActivity', {
                taskQueue,
                workflowId: uid('no-eager-activities'),
              });
              await expect(handle.result()).resolves.toBe('success');
              const events = await eventsOf(handle);
              expect(events.some((e) => e.activityTaskTimedOutEventAttributes)).toBe(false);
              const started = events.filter((e) => e.activityTaskStartedEventAttributes);
              expect(started).toHaveLength(1);
              expect(started[0]?.activityTaskStartedEventAttributes?.attempt).toBe(1);
            },
          ),
      );
    } finally {
      await workflowConnection.close();
    }
  });

  test('Workflow can be started eagerly with shared NativeConnection', async () => {
    const client = new Client({ connection: t.env.nativeConnection, namespace: 'default' });
    await withWorker(t.env, t.bundle, { maxCachedWorkflows }, async ({ taskQueue }) => {
      const handle = await client.workflow.start('echo', {
        args: ['Hello, Temporal!'],
        workflowId: uid('eager-workflow'),
        taskQueue,
        requestEagerStart: true,
        workflowTaskTimeout: '1h', // a lost eager task would only come back after this
      });
      expect(handle.eagerlyStarted).toBe(true);
      await expect(handle.result()).resolves.toBe('Hello, Temporal!');
      const types = (await eventsOf(handle)).map((e) => e.eventType);
      expect(types).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
      ]);
    });
  });

  test('a start that asks for eager execution without a local worker is dispatched as usual', async () => {
    // The core turns requestEagerExecution off when no worker of its own can take the task.
    const client = new Client({ connection: t.env.nativeConnection, namespace: 'default' });
    const taskQueue = uid('no-local-worker');
    const handle = await client.workflow.start('echo', {
      args: ['later'],
      workflowId: uid('eager-none'),
      taskQueue,
      requestEagerStart: true,
    });
    expect(handle.eagerlyStarted).toBe(false);
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      await expect(handle.result()).resolves.toBe('later');
    });
  });
});

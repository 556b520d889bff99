/**
 * Queries that arrive while a workflow task is in flight, through the official SDK: they wait for
 * that task and are then answered, attached to the next task or as a query task of their own.
 * The "in flight" state is made deterministic by taking the first task with a raw poll (as a
 * worker that then completes or fails it) before the SDK worker starts, or, with the SDK worker
 * alone, by a first workflow task that holds the worker for a while.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { defaultPayloadConverter, toPayloads } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  CACHE_MODES,
  pendingQuery as sentQuery,
  useConformanceEnv,
  takeTask as takeRawTask,
  uid,
  withWorker,
} from './support';

const EventType = temporal.api.enums.v1.EventType;

const t = useConformanceEnv();

async function eventTypes(handle: WorkflowHandle): Promise<number[]> {
  return ((await handle.fetchHistory()).events ?? []).map((e) => Number(e.eventType));
}

/** Returns once the worker holds the run's first workflow task (STARTED). */
async function untilFirstTaskStarted(handle: WorkflowHandle): Promise<void> {
  for (;;) {
    const { raw } = await handle.describe();
    if (
      raw.pendingWorkflowTask?.state ===
      temporal.api.enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
    )
      return;
    expect(raw.pendingWorkflowTask).toBeTruthy();
  }
}

const takeTask = async (taskQueue: string) => (await takeRawTask(t.env, taskQueue)).taskToken;
const pendingQuery = (handle: WorkflowHandle, queryType: string) => sentQuery<string[]>(handle, queryType);

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  test('a query during an in-flight first task that completes is answered as a query task', async () => {
    const taskQueue = uid('in-flight-completed');
    const handle = await t.env.client.workflow.start('collector', { taskQueue, workflowId: uid('q') });
    await handle.signal('addItem', 'a');
    const token = await takeTask(taskQueue);
    const query = pendingQuery(handle, 'items');
    // A round trip to the server after the query: it is registered, and not answered.
    await handle.describe();
    expect(query.isSettled()).toBe(false);
    // The collector's first activation sends no command, so an empty completion is what the SDK
    // would have sent too: the SDK worker below replays this history without a mismatch.
    await t.env.client.workflowService.respondWorkflowTaskCompleted({
      taskToken: token,
      commands: [],
      identity: 'raw-poller',
    });
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      await expect(query.answer).resolves.toEqual(['a']);
      // Answered from the completed task's history: no workflow task was added or failed for it.
      expect(await eventTypes(handle)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      ]);
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['a']);
    });
  });

  test('a query during an in-flight first task that fails rides on the retried task', async () => {
    const taskQueue = uid('in-flight-failed');
    const handle = await t.env.client.workflow.start('collector', { taskQueue, workflowId: uid('q') });
    await handle.signal('addItem', 'b');
    const token = await takeTask(taskQueue);
    const query = pendingQuery(handle, 'items');
    await handle.describe();
    expect(query.isSettled()).toBe(false);
    await t.env.client.workflowService.respondWorkflowTaskFailed({
      taskToken: token,
      cause:
        temporal.api.enums.v1.WorkflowTaskFailedCause
          .WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      identity: 'raw-poller',
    });
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      await expect(query.answer).resolves.toEqual(['b']);
      // The retried task (attempt 2) carried the query and completed; it is in history since.
      expect(await eventTypes(handle)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      ]);
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['b']);
    });
  });

  test('a query for a run whose sticky worker is gone is served on the normal queue', async () => {
    const taskQueue = uid('sticky-gone');
    const handle = await t.env.client.workflow.start('collector', { taskQueue, workflowId: uid('q') });
    await handle.signal('addItem', 'c');
    // Completed by a "worker" that asks for a sticky queue and then never polls it (it died
    // without ShutdownWorker). Without the fallback the query waits for its deadline (30 s).
    await t.env.client.workflowService.respondWorkflowTaskCompleted({
      taskToken: await takeTask(taskQueue),
      commands: [],
      identity: 'raw-poller',
      stickyAttributes: {
        workerTaskQueue: { name: uid('dead-sticky') },
        scheduleToStartTimeout: msToTs('1s'),
      },
    });
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      await expect(handle.query('items')).resolves.toEqual(['c']);
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['c']);
    });
  });

  test('a query sent while the SDK worker runs a new workflow’s first task is answered after it', async () => {
    await withWorker(t.env, t.bundle, { maxCachedWorkflows }, async (w) => {
      const handle = await t.env.client.workflow.start('slowFirstTask', {
        taskQueue: w.taskQueue,
        workflowId: uid('slow-first'),
        args: [500],
      });
      await untilFirstTaskStarted(handle);
      const answer = await handle.query<string[]>('items');
      expect(answer).toEqual(['first task']);
      // The first task completed normally: the query neither failed nor timed it out.
      const types = await eventTypes(handle);
      expect(types.slice(0, 4)).toEqual([
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      ]);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
      await handle.signal('addItem', 'later');
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['first task', 'later']);
    });
  });
});

test('several queries waiting on the same in-flight task are each answered', async () => {
  await withWorker(t.env, t.bundle, {}, async (w) => {
    const handle = await t.env.client.workflow.start('slowFirstTask', {
      taskQueue: w.taskQueue,
      workflowId: uid('slow-first'),
      args: [300],
    });
    await untilFirstTaskStarted(handle);
    // They all go out as query tasks to the worker's sticky queue when the task completes, and
    // the SDK's core buffers them for the cached run. Marked as workflow tasks (a Started id),
    // core keeps only the last it buffers; the others would be answered only by the server's
    // second offer, 5 s later, past this deadline. (A worker without a cache evicts the run after
    // its first answer and drops what it buffered, whatever the server: the second offer is
    // for that, see queries-across-runs.test.ts.)
    const deadline = Date.now() + 4_000;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.env.client.withDeadline(deadline, () => handle.query<string[]>('items')),
      ),
    );
    expect(answers).toEqual(answers.map(() => ['first task']));
    await handle.signal('finish');
    await expect(handle.result()).resolves.toEqual(['first task']);
  });
});

test('a query task adds no Started event: startedEventId 0, previousStartedEventId the last completed task’s', async () => {
  const taskQueue = uid('query-task-shape');
  const handle = await t.env.client.workflow.start('collector', { taskQueue, workflowId: uid('q') });
  await handle.signal('addItem', 'd');
  await t.env.client.workflowService.respondWorkflowTaskCompleted({
    taskToken: await takeTask(taskQueue),
    commands: [],
    identity: 'raw-poller',
  });
  const query = pendingQuery(handle, 'items');
  const task = await takeRawTask(t.env, taskQueue);
  expect(task.query?.queryType).toBe('items');
  expect(Number(task.startedEventId ?? 0)).toBe(0);
  // Started, Scheduled, Signaled, Started (4), Completed: the full history, nothing added.
  expect(Number(task.previousStartedEventId)).toBe(4);
  expect((task.history?.events ?? []).map((e) => Number(e.eventId))).toEqual([1, 2, 3, 4, 5]);
  await t.env.client.workflowService.respondQueryTaskCompleted({
    namespace: 'default',
    taskToken: task.taskToken,
    completedType: temporal.api.enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED,
    queryResult: { payloads: toPayloads(defaultPayloadConverter, ['d']) },
  });
  await expect(query.answer).resolves.toEqual(['d']);
  await handle.terminate();
});

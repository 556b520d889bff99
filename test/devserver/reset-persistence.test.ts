/**
 * A reset on a server with a state file: the new run, the terminated old one and its resetRunId
 * are acknowledged only once written, so they are all there after a restart, and the new run goes on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import {
  bundleConformanceWorkflows,
  openPersistentServer,
  quietRuntime,
  uid,
  type WorkflowBundle,
} from './support';

const root = mkdtempSync(path.join(tmpdir(), 'devserver-reset-'));
let bundle: WorkflowBundle;

beforeAll(async () => {
  quietRuntime();
  bundle = await bundleConformanceWorkflows();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (file: string, taskQueue: string) => openPersistentServer(file, taskQueue, bundle);

test('a reset survives a restart: new run current, old run terminated and pointing to it', async () => {
  const file = path.join(root, 'reset.db');
  const taskQueue = uid('reset-persist');
  const workflowId = uid('collector');
  const first = await open(file, taskQueue);
  let baseRunId: string;
  let newRunId: string;
  try {
    const handle = await first.client.workflow.start('collector', { taskQueue, workflowId });
    baseRunId = handle.firstExecutionRunId;
    await handle.signal('addItem', 'a');
    await eventually(
      () => handle.query<string[]>('items'),
      (items) => items.length === 1,
    );
    const events = (await handle.fetchHistory()).events ?? [];
    const firstTask = events.find(
      (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    )!;
    const response = await first.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId, runId: baseRunId },
      reason: 'reset before a restart',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
    });
    newRunId = response.runId!;
  } finally {
    await first.close();
  }

  const second = await open(file, taskQueue);
  try {
    const old = await second.client.workflow.getHandle(workflowId, baseRunId).describe();
    expect(old.status.name).toBe('TERMINATED');
    expect(old.raw.workflowExtendedInfo?.resetRunId).toBe(newRunId);
    const current = second.client.workflow.getHandle(workflowId);
    expect((await current.describe()).runId).toBe(newRunId);
    await eventually(
      () => current.query<string[]>('items'),
      (items) => JSON.stringify(items) === '["a"]',
    );
    await current.signal('finish');
    await expect(current.result()).resolves.toEqual(['a']);
  } finally {
    await second.close();
  }
});

test('a child the reset run holds survives a restart: its close reaches the new run', async () => {
  const file = path.join(root, 'reset-child.db');
  const taskQueue = uid('reset-persist-child');
  const workflowId = uid('collector-parent');
  const first = await open(file, taskQueue);
  let newRunId: string;
  try {
    const handle = await first.client.workflow.start('collectorParent', { taskQueue, workflowId });
    // The last workflow task is the one after ChildWorkflowExecutionStarted: the child runs there.
    const tasks = await eventually(
      async () =>
        ((await handle.fetchHistory()).events ?? []).filter(
          (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        ),
      (completed) => completed.length === 2,
    );
    const response = await first.client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId, runId: handle.firstExecutionRunId },
      reason: 'reset with a child running',
      workflowTaskFinishEventId: tasks[1]!.eventId,
      requestId: randomUUID(),
    });
    newRunId = response.runId!;
  } finally {
    await first.close();
  }

  const second = await open(file, taskQueue);
  try {
    const current = second.client.workflow.getHandle(workflowId);
    const d = await current.describe();
    expect(d.runId).toBe(newRunId);
    expect(d.raw.pendingChildren?.map((c) => c.workflowId)).toEqual([`${workflowId}-child`]);
    const child = second.client.workflow.getHandle(`${workflowId}-child`);
    await child.signal('addItem', 'after restart');
    await child.signal('finish');
    await expect(current.result()).resolves.toEqual(['after restart']);
  } finally {
    await second.close();
  }
});

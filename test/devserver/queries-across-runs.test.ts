/**
 * Queries around a continue-as-new and queries a worker drops, through the official SDK.
 *
 * A query addressed by workflow id alone that waits on the task which continues the workflow as
 * new is answered by the new run (as if sent a moment later). Sent as a query task for the closed
 * run instead, it reaches a worker that is evicting that run, and the SDK's core drops query tasks
 * buffered for a run it evicts: the query went unanswered until its 30 s deadline. A query task a
 * worker takes and never answers is offered again. The in-flight states are made deterministic
 * with raw polls taken before the SDK worker starts, as in queries.test.ts.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, toPayloads } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CACHE_MODES, pendingQuery, useConformanceEnv, takeTask, uid, withWorker } from './support';

const t = useConformanceEnv();

/** The continue-as-new the SDK sends for `handOver(items, true)`'s first activation. */
function handOverCommand(taskQueue: string, items: string[]): temporal.api.command.v1.ICommand {
  return {
    commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
    continueAsNewWorkflowExecutionCommandAttributes: {
      workflowType: { name: 'handOver' },
      taskQueue: { name: taskQueue },
      input: { payloads: toPayloads(defaultPayloadConverter, [...items, 'handed over'], false) },
    },
  };
}

async function runIdOf(handle: WorkflowHandle): Promise<string> {
  return (await handle.describe()).runId;
}

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  test('a query by workflow id waiting on the task that continues as new is answered by the new run', async () => {
    const taskQueue = uid('hand-over');
    const workflowId = uid('q');
    await t.env.client.workflow.start('handOver', { taskQueue, workflowId, args: [['a'], true] });
    const handle = t.env.client.workflow.getHandle(workflowId);
    const firstRunId = await runIdOf(handle);
    const task = await takeTask(t.env, taskQueue);
    const query = pendingQuery<string[]>(handle, 'items');
    await handle.describe();
    expect(query.isSettled()).toBe(false);
    await t.env.client.workflowService.respondWorkflowTaskCompleted({
      taskToken: task.taskToken,
      commands: [handOverCommand(taskQueue, ['a'])],
      identity: 'raw-poller',
    });
    expect(await runIdOf(handle)).not.toBe(firstRunId);
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      // The new run's state (its first task carried the query), not the closed run's ['a'].
      await expect(query.answer).resolves.toEqual(['a', 'handed over']);
      // Addressed to the closed run, a query is still answered from that run's history.
      await expect(
        t.env.client.workflow.getHandle(workflowId, firstRunId).query<string[]>('items'),
      ).resolves.toEqual(['a']);
      await handle.signal('addItem', 'b');
      await expect(handle.query('items')).resolves.toEqual(['a', 'handed over', 'b']);
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['a', 'handed over', 'b']);
    });
  });

  test('a query task that a worker takes and never answers is offered again', async () => {
    const taskQueue = uid('dropped-query');
    const handle = await t.env.client.workflow.start('collector', { taskQueue, workflowId: uid('q') });
    await handle.signal('addItem', 'c');
    await t.env.client.workflowService.respondWorkflowTaskCompleted({
      taskToken: (await takeTask(t.env, taskQueue)).taskToken,
      commands: [],
      identity: 'raw-poller',
    });
    const query = pendingQuery<string[]>(handle, 'items');
    // A "worker" takes the query task and drops it, as the SDK's core does with query tasks it
    // buffered for a run it then evicts. Without a second offer the query waits for its deadline.
    const dropped = await takeTask(t.env, taskQueue);
    expect(dropped.query?.queryType).toBe('items');
    await withWorker(t.env, t.bundle, { taskQueue, maxCachedWorkflows }, async () => {
      await expect(query.answer).resolves.toEqual(['c']);
      // The dropped copy's late answer finds nothing to answer.
      await expect(
        t.env.client.workflowService.respondQueryTaskCompleted({
          namespace: 'default',
          taskToken: dropped.taskToken,
          completedType: temporal.api.enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED,
          queryResult: { payloads: toPayloads(defaultPayloadConverter, 'late') },
        }),
      ).rejects.toThrow(/not found/i);
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(['c']);
    });
  });

  test('queries by workflow id around a signal that makes the workflow continue as new are all answered', async () => {
    await withWorker(t.env, t.bundle, { maxCachedWorkflows }, async (w) => {
      const handle = await t.env.client.workflow.start('handOver', {
        taskQueue: w.taskQueue,
        workflowId: uid('q'),
        args: [[], false],
      });
      let expected: string[] = [];
      for (let round = 0; round < 5; round += 1) {
        const runId = await runIdOf(handle);
        await handle.signal('addItem', `item ${round}`);
        expected = [...expected, `item ${round}`];
        // Queries before, with and right after the signal: some wait on the task that continues
        // as new, some reach the new run before or during its first task.
        const answers = [handle.query<string[]>('items')];
        const signalled = handle.signal('rollover');
        answers.push(handle.query<string[]>('items'), handle.query<string[]>('items'));
        await signalled;
        answers.push(handle.query<string[]>('items'), handle.query<string[]>('items'));
        const handedOver = [...expected, 'handed over'];
        for (const answer of await Promise.all(answers))
          expect([expected, handedOver]).toContainEqual(answer);
        // Once the new run exists, every query by workflow id answers its state.
        while ((await runIdOf(handle)) === runId) expect(round).toBeGreaterThanOrEqual(0);
        await expect(handle.query('items')).resolves.toEqual(handedOver);
        expected = handedOver;
      }
      await handle.signal('finish');
      await expect(handle.result()).resolves.toEqual(expected);
    });
  });
});

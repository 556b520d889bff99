/**
 * Cron workflows (the `cronSchedule` start option): runs at the schedule's times, skipped to with
 * time skipping; each run sees the schedule and the previous run's result; terminating ends it.
 */
import { temporal } from '@temporalio/proto';
import { describeEachCacheMode, useConformanceEnv, uid } from './support';

const EventType = temporal.api.enums.v1.EventType;
const HOUR = 3_600_000;
const t = useConformanceEnv();

interface Tick {
  cronSchedule?: string;
  lastResult: Tick | null;
  ranAt: number;
}

describeEachCacheMode(t, (w) => {
  test('an hourly cron workflow runs on the hour, each run seeing the last result', async () => {
    const workflowId = uid('cron');
    const handle = await t.env.client.workflow.start('cronTick', {
      taskQueue: w.taskQueue,
      workflowId,
      cronSchedule: '0 * * * *',
    });
    const first = await t.env.client.workflow
      .getHandle(workflowId, handle.firstExecutionRunId)
      .fetchHistory();
    const started = first.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started.cronSchedule).toBe('0 * * * *');
    expect(Number(started.firstWorkflowTaskBackoff?.seconds ?? 0)).toBeGreaterThan(0);

    await t.env.sleep(3 * HOUR + 60_000);

    // Follow the chain: each run completes naming the next.
    const ticks: Tick[] = [];
    let runId = handle.firstExecutionRunId;
    for (;;) {
      const events = (await t.env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events!;
      const last = events.at(-1)!;
      if (last.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) break;
      const attrs = last.workflowExecutionCompletedEventAttributes!;
      ticks.push(JSON.parse(Buffer.from(attrs.result!.payloads![0]!.data!).toString()) as Tick);
      if (!attrs.newExecutionRunId) break;
      const next = (await t.env.client.workflow.getHandle(workflowId, attrs.newExecutionRunId).fetchHistory())
        .events![0]!.workflowExecutionStartedEventAttributes!;
      expect(next).toMatchObject({
        continuedExecutionRunId: runId,
        firstExecutionRunId: handle.firstExecutionRunId,
        initiator: temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE,
        cronSchedule: '0 * * * *',
      });
      runId = attrs.newExecutionRunId;
    }
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const [i, tick] of ticks.entries()) {
      expect(tick.cronSchedule).toBe('0 * * * *');
      // On the hour (the workflow task starts a moment after the skip lands there).
      expect(tick.ranAt % HOUR).toBeLessThan(10_000);
      if (i > 0) {
        expect(tick.ranAt - ticks[i - 1]!.ranAt).toBeGreaterThanOrEqual(HOUR - 10_000);
        expect(tick.lastResult).toEqual(ticks[i - 1]);
      } else {
        expect(tick.lastResult).toBeNull();
      }
    }
    // The current run waits for the next hour; terminating it ends the schedule.
    const current = t.env.client.workflow.getHandle(workflowId);
    expect((await current.describe()).runId).toBe(runId);
    await current.terminate('schedule ended');
    expect((await current.describe()).status.name).toBe('TERMINATED');
  });

  test('a cron expression that does not parse is INVALID_ARGUMENT, and nothing starts', async () => {
    const workflowId = uid('cron-bad');
    await expect(
      t.env.client.workflow.start('cronTick', {
        taskQueue: w.taskQueue,
        workflowId,
        cronSchedule: 'every tuesday',
      }),
    ).rejects.toMatchObject({ cause: { code: 3 } }); // INVALID_ARGUMENT
    await expect(t.env.client.workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/);
  });
});

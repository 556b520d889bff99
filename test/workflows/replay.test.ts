import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { installQuietRuntime } from './support/runtime';
import { historyFromObject } from './support/history-json';
import { bundleOrderWorkflows } from '../../worker/workflow-source';

/**
 * Replays recorded histories of representative runs (test/histories, recorded by
 * `npm run histories:record`) against the current workflow code: a change that would break running
 * workflows fails here. Intended changes go behind workflow.patched(), or the histories are
 * recorded again once no old run is left.
 */
const historiesDir = path.join(__dirname, '../histories');
const files = readdirSync(historiesDir).filter((file) => file.endsWith('.json'));
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));

let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  installQuietRuntime();
  workflowBundle = await bundleOrderWorkflows(new DefaultLogger('WARN'));
});

describe('workflow replay', () => {
  it('has histories of every workflow type', () => {
    const types = files.map((file) => {
      const history = load(file) as {
        events: { workflowExecutionStartedEventAttributes?: { workflowType: { name: string } } }[];
      };
      return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType.name;
    });
    expect(new Set(types)).toEqual(
      new Set(['checkoutOrder', 'salesOrder', 'serviceOrder', 'serviceListing']),
    );
  });

  it('runs the workflow code as ES2022, without the SDK default ES2017 helpers', () => {
    // The helpers swc emits for object spread and class fields under its ES2017 target.
    expect(workflowBundle.code).not.toMatch(/function _object_spread|function _define_property/);
    expect(workflowBundle.code).toContain('...');
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    await Worker.runReplayHistory({ workflowBundle }, historyFromObject(load(file)), file);
  });

  it('notices a history the code would not produce', async () => {
    const history = load('checkout-auto-approve.json') as {
      events: Record<string, { activityType?: { name: string } }>[];
    };
    const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes);
    scheduled!.activityTaskScheduledEventAttributes!.activityType = { name: 'someOtherActivity' };
    await expect(
      Worker.runReplayHistory({ workflowBundle }, historyFromObject(history), 'tampered'),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});

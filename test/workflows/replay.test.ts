import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { installQuietRuntime } from './support/runtime';
import { historyFromObject } from './support/history-json';
import { bundleOrderWorkflows } from '../../worker/workflow-source';
import { CHECKOUT_CONTINUE_AS_NEW_PATCH, PAYMENT_COVERS_INVOICE_PATCH } from '../../workflows/checkout';
import { EFFECTS_PATCH } from '../../workflows/order/runtime';
import { LAPSED_OFFERS_PATCH } from '../../workflows/sales-order';

/**
 * Replays recorded histories of representative runs (test/histories, recorded by
 * `npm run histories:record`) against the current workflow code: a change that would break running
 * workflows fails here. Intended changes go behind workflow.patched(), or the histories are
 * recorded again once no old run is left.
 */
const historiesDir = path.join(__dirname, '../histories');
/** Histories recorded before a patch, kept while runs that started then may still be open. */
const beforeEffectsPatch = `before-${EFFECTS_PATCH}`;
/** Recorded before the decision rules and checkout's continue-as-new (the patches of patchesNow but the effects one). */
const beforeDecisionRules = 'before-decision-rules';
const jsonIn = (dir: string) =>
  readdirSync(path.join(historiesDir, dir))
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.join(dir, file));
const current = jsonIn('.');
const beforeRules = jsonIn(beforeDecisionRules);
const older = jsonIn(beforeEffectsPatch);
const files = [...current, ...beforeRules, ...older];
/** The patches a run of this workflow type records today, in the order it asks for them. */
const patchesNow: Record<string, string[]> = {
  checkoutOrder: [PAYMENT_COVERS_INVOICE_PATCH, CHECKOUT_CONTINUE_AS_NEW_PATCH, EFFECTS_PATCH],
  salesOrder: [LAPSED_OFFERS_PATCH, EFFECTS_PATCH],
  serviceOrder: [EFFECTS_PATCH],
  serviceListing: [EFFECTS_PATCH],
};
const load = (file: string): unknown => JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
function workflowTypeOf(file: string): string | undefined {
  type Started = { workflowExecutionStartedEventAttributes?: { workflowType: { name: string } } };
  return (load(file) as { events: Started[] }).events[0]?.workflowExecutionStartedEventAttributes
    ?.workflowType.name;
}
/** The patch ids a history's markers record (the SDK's `core_patch` markers, JSON payloads in base64). */
function patchesOf(file: string): string[] {
  type Marker = { markerName?: string; details?: { 'patch-data'?: { payloads?: { data?: string }[] } } };
  const history = load(file) as { events: { markerRecordedEventAttributes?: Marker }[] };
  return history.events.flatMap(({ markerRecordedEventAttributes: marker }) =>
    marker?.markerName === 'core_patch'
      ? (marker.details?.['patch-data']?.payloads ?? []).map(
          (payload) =>
            (JSON.parse(Buffer.from(payload.data ?? '', 'base64').toString()) as { id: string }).id,
        )
      : [],
  );
}

let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  installQuietRuntime();
  workflowBundle = await bundleOrderWorkflows(new DefaultLogger('WARN'));
});

describe('workflow replay', () => {
  it('has histories of every workflow type, from before and after each patch', () => {
    const types = (list: string[]) => new Set(list.map(workflowTypeOf));
    const all = new Set(Object.keys(patchesNow));
    expect(types(current)).toEqual(all);
    expect(types(beforeRules)).toEqual(all);
    expect(types(older)).toEqual(all);
  });

  it('replays the old paths from the older histories and the patched paths from the current ones', () => {
    for (const file of current) expect(patchesOf(file)).toEqual(patchesNow[workflowTypeOf(file)!]);
    for (const file of beforeRules) expect(patchesOf(file)).toEqual([EFFECTS_PATCH]);
    for (const file of older) expect(patchesOf(file)).toEqual([]);
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

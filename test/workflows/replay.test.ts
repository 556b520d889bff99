import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { installQuietRuntime } from './support/runtime';
import { historyFromObject } from './support/history-json';
import { orderWorkflowBundle } from '../helpers/workflow-bundle';
import { workflowPatches } from '../../workflows/patches';
import { workflowSpanSinks } from '../../telemetry/temporal';

/**
 * Replays recorded histories of representative runs (test/histories, recorded by
 * `npm run histories:record`) against the current workflow code: a change that would break running
 * workflows fails here. How to change a workflow safely: docs/changing-workflows.md.
 *
 * test/histories/*.json are runs of the workflows as they are; test/histories/before-<patch id>/
 * keeps runs recorded before a patch, for as long as such runs may still be open.
 */
const GUIDE = 'see docs/changing-workflows.md';
const historiesDir = path.join(__dirname, '../histories');
const jsonIn = (dir: string) =>
  readdirSync(path.join(historiesDir, dir))
    .filter((file) => file.endsWith('.json'))
    .map((file) => path.join(dir, file));
const keptDirs = readdirSync(historiesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const current = jsonIn('.');
const files = [...current, ...keptDirs.flatMap(jsonIn)];
const workflowTypes = Object.keys(workflowPatches) as (keyof typeof workflowPatches)[];

const load = (file: string): unknown => JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
function workflowTypeOf(file: string): keyof typeof workflowPatches {
  type Started = { workflowExecutionStartedEventAttributes?: { workflowType: { name: string } } };
  return (load(file) as { events: Started[] }).events[0]?.workflowExecutionStartedEventAttributes
    ?.workflowType.name as keyof typeof workflowPatches;
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
  workflowBundle = await orderWorkflowBundle();
});

describe('recorded histories', () => {
  it('cover every workflow type', () => {
    const recorded = new Set(current.map(workflowTypeOf));
    const missing = workflowTypes.filter((type) => !recorded.has(type));
    expect(missing.map((type) => `no history of ${type}: add a scenario and record it (${GUIDE})`)).toEqual(
      [],
    );
  });

  it('match the patches the workflows declare in workflows/patches.ts', () => {
    const problems: string[] = [];
    for (const file of files) {
      const type = workflowTypeOf(file);
      for (const id of patchesOf(file)) {
        if (!workflowPatches[type]?.includes(id)) {
          problems.push(
            `${file} records patch ${id}, which ${type} no longer declares: record the histories again (${GUIDE})`,
          );
        }
      }
    }
    for (const type of workflowTypes) {
      const recorded = new Set(current.filter((file) => workflowTypeOf(file) === type).flatMap(patchesOf));
      for (const id of workflowPatches[type]) {
        if (!recorded.has(id)) {
          problems.push(
            `${type} declares patch ${id}, which no current history records: keep the histories in before-${id}/ and record them again (${GUIDE})`,
          );
        }
      }
    }
    for (const dir of keptDirs) {
      const id = dir.replace(/^before-/, '');
      if (!dir.startsWith('before-') || !workflowTypes.some((type) => workflowPatches[type].includes(id))) {
        problems.push(
          `test/histories/${dir} is not before-<a patch the workflows still declare>: delete it once its runs are gone (${GUIDE})`,
        );
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('workflow replay', () => {
  it('runs the workflow code as ES2022, without the SDK default ES2017 helpers', () => {
    // The helpers swc emits for object spread and class fields under its ES2017 target.
    expect(workflowBundle.code).not.toMatch(/function _object_spread|function _define_property/);
    expect(workflowBundle.code).toContain('...');
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    await Worker.runReplayHistory(
      { workflowBundle, sinks: workflowSpanSinks() },
      historyFromObject(load(file)),
      file,
    );
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

/**
 * The `server start-dev` launch form (TestWorkflowEnvironment.createLocal with our executable):
 * the SDK's full flag set is accepted, --search-attribute registers custom attributes, and time
 * flows in real time (nobody unlocks time skipping).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestEnv } from '../helpers/temporal';
import {
  CACHE_MODES,
  bundleConformanceWorkflows,
  quietRuntime,
  startWorker,
  uid,
  type RunningWorker,
  type WorkflowBundle,
} from './support';

import type { HistoryInfoStep } from './workflows/conformance';

const OrderStatus = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  quietRuntime();
  [env, bundle] = await Promise.all([
    createTestEnv({
      form: 'local',
      searchAttributes: [{ name: 'OrderStatus', type: SearchAttributeType.KEYWORD }],
      dynamicConfig: { 'limit.blobSize.error': 4096, 'limit.historyCount.suggestContinueAsNew': 8 },
    }),
    bundleConformanceWorkflows(),
  ]);
});

afterAll(async () => {
  await env?.teardown();
});

test('the environment does not skip time', () => {
  expect(env.supportsTimeSkipping).toBe(false);
});

test('--dynamic-config-value sets the blob limit and the continue-as-new suggestion', async () => {
  const ns = await env.client.workflowService.describeNamespace({ namespace: 'default' });
  expect(Number(ns.namespaceInfo?.limits?.blobSizeLimitError)).toBe(4096);
  const w = await startWorker(env, bundle);
  try {
    const steps: HistoryInfoStep[] = await env.client.workflow.execute('historyInfoSteps', {
      taskQueue: w.taskQueue,
      workflowId: uid('local-can'),
      args: [2],
    });
    // Started events 3, 8 and 13: suggested from 8 on.
    expect(steps.map((s) => [s.historyLength, s.continueAsNewSuggested])).toEqual([
      [3, false],
      [8, true],
      [13, true],
    ]);
  } finally {
    await w.stop();
  }
});

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  let w: RunningWorker;
  const opts = (prefix: string) => ({ taskQueue: w.taskQueue, workflowId: uid(prefix) });

  beforeAll(async () => {
    w = await startWorker(env, bundle, { maxCachedWorkflows });
  });
  afterAll(async () => {
    await w?.stop();
  });

  test('signals, queries, an activity and a real-time timer', async () => {
    const handle = await env.client.workflow.start('collector', opts('local'));
    await handle.signal('addItem', 'a');
    await expect(handle.query('items')).resolves.toEqual(['a']);
    await handle.signal('finish');
    await expect(handle.result()).resolves.toEqual(['a']);
    await expect(
      env.client.workflow.execute('runActivity', {
        ...opts('local-act'),
        args: [{ name: 'greet', args: ['dev'] }],
      }),
    ).resolves.toEqual({ result: 'hello dev' });
    const realStart = Date.now();
    const slept = await env.client.workflow.execute('sleeper', { ...opts('local-sleep'), args: [300] });
    expect(slept).toBeGreaterThanOrEqual(300);
    expect(Date.now() - realStart).toBeGreaterThanOrEqual(250);
  });

  test('a --search-attribute registered attribute is set, described and listed', async () => {
    const value = uid('status');
    const handle = await env.client.workflow.start('collector', {
      ...opts('sa'),
      typedSearchAttributes: [{ key: OrderStatus, value }],
    });
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(OrderStatus)).toBe(value);
    const listed: string[] = [];
    for await (const info of env.client.workflow.list({ query: `OrderStatus = "${value}"` })) {
      listed.push(info.workflowId);
    }
    expect(listed).toEqual([handle.workflowId]);
    await expect(env.client.workflow.count(`OrderStatus = "${value}"`)).resolves.toMatchObject({ count: 1 });
    await handle.terminate('done');
  });
});

/**
 * Fidelity with Temporal's server where the official SDK can tell (issue 18): each behaviour as
 * the SDK's own integration tests (sdk-typescript packages/test) assert it, through
 * `createTimeSkipping` with our executable, with the worker cache on and off where it matters.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  ActivityCancelledError,
  ActivityNotFoundError,
  Client,
  isGrpcServiceError,
  NamespaceNotFoundError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import {
  ApplicationFailure,
  ActivityFailure,
  CancelledFailure,
  SearchAttributeType,
  type SearchAttributePair,
} from '@temporalio/common';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { eventually } from '../helpers/eventually';
import { asyncActivities } from './activities';
import {
  CACHE_MODES,
  startWorker,
  takeTask,
  uid,
  useConformanceEnv,
  withWorker,
  type RunningWorker,
} from './support';

const EventType = temporal.api.enums.v1.EventType;
const t = useConformanceEnv();

describe.each(CACHE_MODES)('with %s', (_label, maxCachedWorkflows) => {
  let w: RunningWorker;
  const opts = (prefix: string) => ({ taskQueue: w.taskQueue, workflowId: uid(prefix) });

  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle, { maxCachedWorkflows });
  });
  afterAll(async () => {
    await w?.stop();
  });

  // test-integration-workflow-start.ts: 'Start of workflow with signal respects conflict id policy'
  test('signal-with-start honours the workflow id conflict policy', async () => {
    const client = t.env.client;
    const o = opts('sws-conflict');
    const handle = await client.workflow.start('signalTarget', o);
    const first = client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const signal = { signal: 'argsSignal', signalArgs: [123, 'kid'] as [number, string] };

    // USE_EXISTING is signal-with-start's default: the running run is signalled.
    const same = await client.workflow.signalWithStart('signalTarget', { ...o, ...signal });
    expect(same.signaledRunId).toBe(handle.firstExecutionRunId);
    expect((await first.describe()).status.name).toBe('RUNNING');

    // FAIL refuses a running workflow.
    await expect(
      client.workflow.signalWithStart('signalTarget', { ...o, ...signal, workflowIdConflictPolicy: 'FAIL' }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

    // TERMINATE_EXISTING terminates the running run and starts a new one with the signal.
    const replaced = await client.workflow.signalWithStart('signalTarget', {
      ...o,
      ...signal,
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    expect(replaced.signaledRunId).not.toBe(handle.firstExecutionRunId);
    const old = await first.describe();
    expect(old.status.name).toBe('TERMINATED');
    expect((await client.workflow.getHandle(o.workflowId).describe()).status.name).toBe('RUNNING');
    const terminated = (await first.fetchHistory()).events?.at(
      -1,
    )?.workflowExecutionTerminatedEventAttributes;
    expect(terminated?.reason).toBe('TerminateIfRunning WorkflowIdReusePolicy');
    const types = (await replaced.fetchHistory()).events?.map((e) => e.eventType);
    expect(types?.slice(0, 2)).toEqual([
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    ]);
    await replaced.terminate('done');
  });

  // test-integration-split-two.ts: 'WorkflowClient.signalWithStart fails with WorkflowExecutionAlreadyStartedError'
  test('signal-with-start honours REJECT_DUPLICATE against a closed run', async () => {
    const o = opts('sws-reject');
    const handle = await t.env.client.workflow.start('echo', { ...o, args: ['x'] });
    await handle.result();
    const err = await t.env.client.workflow
      .signalWithStart('signalTarget', {
        ...o,
        signal: 'argsSignal',
        signalArgs: [1, 'a'],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect((err as Error).message).toBe('Workflow execution already started');
  });

  // test-typed-search-attributes.ts: 'upsert works with various search attribute mutations'
  test('search attributes sent untyped come back typed: describe, workflowInfo, list, history', async () => {
    await t.env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: {
        FidelityKeywords: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
      },
    });
    const date = new Date('2026-03-04T05:06:07.089Z');
    const later = new Date(date.getTime() + 1000);
    const handle = await t.env.client.workflow.start('changeSearchAttributes', {
      ...opts('typed-sa'),
      // Untyped (legacy) payloads: no `type` metadata, every value in a list.
      searchAttributes: {
        CustomIntField: [1],
        CustomDoubleField: [1.23],
        CustomBoolField: [true],
        CustomDatetimeField: [date],
        CustomKeywordField: ['one'],
        FidelityKeywords: ['one', 'two'],
      },
    });
    const typed = (pairs: SearchAttributePair[]) =>
      pairs
        .map(({ key, value }) => ({ name: key.name, type: key.type, value }))
        // The worker's build (BuildIds) is added by the server as tasks complete, as by Temporal's.
        .filter((p) => p.name !== 'BuildIds')
        .sort((a, b) => a.name.localeCompare(b.name));
    const initial = [
      { name: 'CustomBoolField', type: SearchAttributeType.BOOL, value: true },
      { name: 'CustomDatetimeField', type: SearchAttributeType.DATETIME, value: date },
      { name: 'CustomDoubleField', type: SearchAttributeType.DOUBLE, value: 1.23 },
      { name: 'CustomIntField', type: SearchAttributeType.INT, value: 1 },
      { name: 'CustomKeywordField', type: SearchAttributeType.KEYWORD, value: 'one' },
      { name: 'FidelityKeywords', type: SearchAttributeType.KEYWORD_LIST, value: ['one', 'two'] },
    ];
    expect(typed((await handle.describe()).typedSearchAttributes.getAll())).toEqual(initial);
    // workflowInfo() is built from the started event (a query result: dates as ISO strings).
    const info = await handle.query<{ typedSearchAttributes: SearchAttributePair[] }>('getWorkflowInfo');
    expect(typed(info.typedSearchAttributes)).toEqual(
      initial.map((p) => (p.value instanceof Date ? { ...p, value: p.value.toISOString() } : p)),
    );
    const listed: SearchAttributePair[][] = [];
    for await (const e of t.env.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` }))
      listed.push(e.typedSearchAttributes.getAll());
    expect(listed.map(typed)).toEqual([initial]);

    // An untyped upsert from the workflow: a Datetime sent as a string decodes to a Date.
    await handle.signal('mutateSearchAttributes', {
      CustomIntField: [2],
      CustomDatetimeField: [later],
      FidelityKeywords: ['three'],
      CustomBoolField: [],
    });
    await handle.query('getWorkflowInfo');
    expect(typed((await handle.describe()).typedSearchAttributes.getAll())).toEqual([
      { name: 'CustomDatetimeField', type: SearchAttributeType.DATETIME, value: later },
      { name: 'CustomDoubleField', type: SearchAttributeType.DOUBLE, value: 1.23 },
      { name: 'CustomIntField', type: SearchAttributeType.INT, value: 2 },
      { name: 'CustomKeywordField', type: SearchAttributeType.KEYWORD, value: 'one' },
      { name: 'FidelityKeywords', type: SearchAttributeType.KEYWORD_LIST, value: ['three'] },
    ]);
    const events = (await handle.fetchHistory()).events ?? [];
    const typeOf = (
      fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined,
      name: string,
    ) => Buffer.from(fields?.[name]?.metadata?.type ?? []).toString();
    const started = events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields;
    expect(typeOf(started, 'CustomIntField')).toBe('Int');
    const upsert = events.find((e) => e.upsertWorkflowSearchAttributesEventAttributes)
      ?.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    expect(typeOf(upsert, 'CustomDatetimeField')).toBe('Datetime');
    await handle.signal('finish');
    await handle.result();
  });

  // test-integration-update.ts: 'update caller gets update failed error on workflow cancellation'
  test('an accepted update still running when the workflow is cancelled fails with its cancellation', async () => {
    const handle = await t.env.client.workflow.start('holdsUpdates', opts('upd-cancel'));
    const update = await handle.startUpdate('neverReturningUpdate', {
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await handle.cancel();
    const err = await update.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((err as WorkflowUpdateFailedError).cause?.message).toBe('Workflow cancelled');
  });

  test('an accepted update still running when the workflow closes completes with a failure outcome', async () => {
    const handle = await t.env.client.workflow.start('holdsUpdates', opts('upd-close'));
    const update = await handle.startUpdate('neverReturningUpdate', {
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const waiting = update.result().catch((e: unknown) => e);
    await handle.terminate('closing with an update in flight');
    for (const err of [await waiting, await update.result().catch((e: unknown) => e)]) {
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('AcceptedUpdateCompletedWorkflow');
      expect(cause.message).toBe(
        'Workflow Update failed because the Workflow completed before the Update completed.',
      );
    }
    // An update sent after the close: NOT_FOUND with Temporal's wording.
    const late = await handle.executeUpdate('neverReturningUpdate').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WorkflowNotFoundError);
    expect((late as Error).message).toBe('workflow execution already completed');
  });

  // test-integration-split-two.ts: 'Handle from WorkflowClient.getHandle does not terminate run after continue as new if given runId'
  test("a closed run answers in Temporal's words", async () => {
    const handle = await t.env.client.workflow.start('chain', { ...opts('closed-words'), args: [1] });
    await handle.result();
    const firstRun = t.env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    for (const call of [
      () => firstRun.terminate(),
      () => firstRun.signal('finish'),
      () => firstRun.cancel(),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowNotFoundError);
      expect((err as Error).message).toBe('workflow execution already completed');
    }
  });

  // test-integration-split-one.ts: 'Worker default ServerOptions are generated correctly',
  // test-integration-workflow-info.ts: 'ContinueAsNew is suggested' (Temporal's default thresholds)
  test('continue-as-new is suggested past 4096 history events', async () => {
    const handle = await t.env.client.workflow.start('suggestedCAN', opts('can-default'));
    await expect(handle.result()).resolves.toBe(true);
    const started = (await handle.fetchHistory()).events!.filter(
      (e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew,
    );
    expect(Number(started[0]!.eventId)).toBeGreaterThanOrEqual(4096);
  });

  // 'WorkflowHandle.describe result is wrapped'
  test("the worker's build id is on WorkflowTaskCompleted, in BuildIds and the reset point", async () => {
    const handle = await t.env.client.workflow.start('echo', { ...opts('build-id'), args: ['x'] });
    await handle.result();
    const completed = (await handle.fetchHistory()).events?.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    expect(completed).toHaveLength(1);
    const attrs = completed![0]!.workflowTaskCompletedEventAttributes!;
    expect(attrs.identity).toMatch(/\d+@.+/);
    // Build-id based versioning is advertised, as by Temporal's server: the core stamps its build
    // (unversioned) rather than sending it as a binary checksum.
    expect(attrs.binaryChecksum ?? '').toBe('');
    const buildId = w.worker.options.buildId;
    expect(buildId).toMatch(/@temporalio\/worker@\d+\.\d+\.\d+/);
    expect(attrs.workerVersion).toMatchObject({ buildId, useVersioning: false });
    const described = await handle.describe();
    expect(described.searchAttributes.BinaryChecksums).toBeUndefined();
    expect(described.searchAttributes.BuildIds).toEqual(['unversioned', `unversioned:${buildId}`]);
    expect(described.raw.workflowExecutionInfo?.mostRecentWorkerVersionStamp).toMatchObject({ buildId });
    expect(described.raw.workflowExecutionInfo?.autoResetPoints?.points).toMatchObject([
      {
        binaryChecksum: '',
        buildId,
        runId: handle.firstExecutionRunId,
        firstWorkflowTaskCompletedId: completed![0]!.eventId,
        resettable: true,
      },
    ]);
  });

  // test-integration-workflow-info.ts: 'Build Id appropriately set in workflow info'
  test('workflowInfo().currentBuildId is the build that completed the latest task', async () => {
    const client = t.env.client;
    const taskQueue = `tq-${uid('build')}`;
    const workflowId = uid('build-tester');
    const build = (buildId: string) => ({ taskQueue, buildId, maxCachedWorkflows });
    await withWorker(t.env, t.bundle, build('1.0'), async () => {
      const handle = await client.workflow.start('buildIdTester', { taskQueue, workflowId });
      expect(await handle.query('getBuildId')).toBe('1.0');
    });
    await client.workflowService.resetStickyTaskQueue({ namespace: 'default', execution: { workflowId } });
    await withWorker(t.env, t.bundle, build('1.1'), async () => {
      const handle = client.workflow.getHandle(workflowId);
      expect(await handle.query('getBuildId')).toBe('1.0');
      await handle.signal('unblock');
      expect(await handle.query('getBuildId')).toBe('1.1');
      const described = await handle.describe();
      expect(described.searchAttributes.BuildIds).toEqual([
        'unversioned',
        'unversioned:1.0',
        'unversioned:1.1',
      ]);
      expect(described.raw.workflowExecutionInfo?.autoResetPoints?.points?.map((p) => p.buildId)).toEqual([
        '1.0',
        '1.1',
      ]);
      await handle.terminate();
    });
  });

  test('a worker asking for build-id based versioning is refused, not served unversioned tasks', async () => {
    const svc = t.env.client.workflowService;
    const req = {
      namespace: 'default',
      taskQueue: { name: `tq-${uid('versioned')}` },
      workerVersionCapabilities: { buildId: '2.0', useVersioning: true },
    };
    for (const poll of [svc.pollWorkflowTaskQueue(req), svc.pollActivityTaskQueue(req)]) {
      const err = await poll.catch((e: unknown) => e);
      expect(isGrpcServiceError(err) && err.code).toBe(grpcStatus.UNIMPLEMENTED);
      expect((err as Error).message).toMatch(/worker versioning/);
    }
  });

  // test-integration-workflow-info.ts: 'root execution is exposed', 'Workflow can return root workflow'
  test('the root workflow execution: started event, workflowInfo and describe', async () => {
    const childId = uid('root-child');
    const handle = await t.env.client.workflow.start('withChildWorkflow', {
      ...opts('root'),
      args: [childId],
    });
    const child = t.env.client.workflow.getHandle(childId);
    await eventually(
      () =>
        child.describe().then(
          (d) => d.status.name,
          () => 'not started',
        ),
      (status) => status === 'RUNNING',
    );
    const [childDesc, parentDesc] = await Promise.all([child.describe(), handle.describe()]);
    expect(childDesc.rootExecution).toEqual({ workflowId: parentDesc.workflowId, runId: parentDesc.runId });
    expect(parentDesc.rootExecution).toEqual({ workflowId: parentDesc.workflowId, runId: parentDesc.runId });
    expect(childDesc.parentExecution).toEqual({ workflowId: parentDesc.workflowId, runId: parentDesc.runId });
    await child.signal('finish');
    await expect(handle.result()).resolves.toEqual({
      workflowId: parentDesc.workflowId,
      runId: parentDesc.runId,
    });
    const o = opts('root-length');
    await expect(t.env.client.workflow.execute('rootWorkflow', o)).resolves.toBe(`empty ${o.workflowId}`);
  });

  // test-integration-split-two.ts: 'User metadata on workflow, timer, activity, child'
  test('user metadata: static summary and details, timer and activity summaries', async () => {
    const handle = await t.env.client.workflow.start('userMetadataWorkflow', {
      ...opts('metadata'),
      staticSummary: 'wf static summary',
      staticDetails: 'wf static details',
    });
    const desc = await handle.describe();
    expect(await desc.staticSummary()).toBe('wf static summary');
    expect(await desc.staticDetails()).toBe('wf static details');
    await handle.signal('done');
    const res = await handle.result();
    const child = t.env.client.workflow.getHandle(res.childWorkflowId, res.childRunId);
    const childDesc = await child.describe();
    expect(await childDesc.staticSummary()).toBe('child summary');
    expect(await childDesc.staticDetails()).toBe('child details');
    const converter = t.env.client.options.loadedDataConverter;
    const metadata = async (events: temporal.api.history.v1.IHistoryEvent[], type: number) => {
      const e = events.find((ev) => ev.eventType === type);
      return {
        summary: await decodeOptionalSinglePayload(converter, e?.userMetadata?.summary),
        details: await decodeOptionalSinglePayload(converter, e?.userMetadata?.details),
      };
    };
    const events = (await handle.fetchHistory()).events ?? [];
    expect(await metadata(events, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)).toEqual({
      summary: 'wf static summary',
      details: 'wf static details',
    });
    expect((await metadata(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).summary).toBe(
      'activity summary',
    );
    expect((await metadata(events, EventType.EVENT_TYPE_TIMER_STARTED)).summary).toBe('timer summary');
    const childEvents = (await child.fetchHistory()).events ?? [];
    expect(await metadata(childEvents, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)).toEqual({
      summary: 'child summary',
      details: 'child details',
    });
    // The parent's close terminated the child (parent close policy TERMINATE).
    expect(childDesc.status.name).toBe('TERMINATED');
  });

  // test-integration-split-three.ts: 'priorities can be specified and propagated across child
  // workflows and activities', 'workflow start without priorities sees undefined for the key'
  test('priority is recorded on start and propagated to children and activities', async () => {
    const handle = await t.env.client.workflow.start('priorityWorkflow', {
      ...opts('priority'),
      args: [false, 1],
      priority: { priorityKey: 1, fairnessKey: 'main-workflow', fairnessWeight: 3.0 },
    });
    const seen = (await handle.result()) as Record<string, Record<string, unknown>>;
    expect(seen.own).toMatchObject({ priorityKey: 5, fairnessKey: 'fair-activity' });
    expect(seen.own!.fairnessWeight).toBeCloseTo(4.2);
    expect(seen.inherited).toMatchObject({ priorityKey: 1, fairnessKey: 'main-workflow', fairnessWeight: 3 });
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events[0]?.workflowExecutionStartedEventAttributes?.priority).toMatchObject({
      priorityKey: 1,
      fairnessKey: 'main-workflow',
      fairnessWeight: 3,
    });
    const children = events.flatMap(
      (e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.priority ?? [],
    );
    expect(children.slice(0, 2)).toMatchObject([
      { priorityKey: 4, fairnessKey: 'child-workflow-1', fairnessWeight: 2.5 },
      { priorityKey: 2, fairnessKey: 'child-workflow-2', fairnessWeight: 1 },
    ]);
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes,
    )?.activityTaskScheduledEventAttributes;
    expect(scheduled?.priority).toMatchObject({ priorityKey: 5, fairnessKey: 'fair-activity' });
    expect((await handle.describe()).raw.workflowExecutionInfo?.priority).toMatchObject({ priorityKey: 1 });
    await expect(
      t.env.client.workflow.execute('priorityWorkflow', { ...opts('no-priority'), args: [true, undefined] }),
    ).resolves.toBeNull();
  });

  // test-integration-split-one.ts: 'child-workflow-start-fail'
  test('a child start honours REJECT_DUPLICATE against a closed run', async () => {
    await expect(t.env.client.workflow.execute('childWorkflowStartFail', opts('child-reject'))).resolves.toBe(
      'already started',
    );
  });

  // test-integration-workflow-start.ts: 'Workflow fails if it tries to start a child with an existing workflow ID'
  test('a child start with the id of a running workflow fails the start', async () => {
    const err = await t.env.client.workflow
      .execute('twoChildrenOneId', opts('child-dup'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause?.name).toBe('TemporalFailure');
    expect(cause?.message).toBe('Workflow execution already started');
  });
});

// test-client-errors.ts: '... - namespace not found'
describe('an unknown namespace', () => {
  const notFound = { name: 'NamespaceNotFoundError', message: "Namespace not found: 'non-existent'" };

  test('is NOT_FOUND with NamespaceNotFoundFailure on every method (the SDK raises NamespaceNotFoundError)', async () => {
    const client = new Client({ connection: t.env.connection, namespace: 'non-existent' });
    const start = { workflowId: uid('no-ns'), taskQueue: 'test' };
    await expect(client.workflow.start('echo', start)).rejects.toMatchObject(notFound);
    await expect(
      client.workflow.signalWithStart('signalTarget', {
        ...start,
        signal: 'argsSignal',
        signalArgs: [1, 'a'],
      }),
    ).rejects.toMatchObject(notFound);
    await expect(client.workflow.list()[Symbol.asyncIterator]().next()).rejects.toMatchObject(notFound);
    // Schedules are not served, yet the namespace is checked first, as Temporal's validator does.
    await expect(client.schedule.list()[Symbol.asyncIterator]().next()).rejects.toMatchObject(notFound);
    const err = await client.workflow
      .getHandle('anything')
      .describe()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceNotFoundError);
  });

  test('activity completion checks the namespace before the task token', async () => {
    const client = new Client({ connection: t.env.connection, namespace: 'non-existent' });
    const err = await client.activity.complete(new Uint8Array([1]), 'result').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceNotFoundError);
    expect((err as Error).message).toBe("Namespace not found: 'non-existent'");
  });
});

describe('a worker that is shutting down', () => {
  test('is told the namespace completes polls on shutdown', async () => {
    const ns = await t.env.client.workflowService.describeNamespace({ namespace: 'default' });
    expect(ns.namespaceInfo?.capabilities?.workerPollCompleteOnShutdown).toBe(true);
  });

  test('has its polls completed at ShutdownWorker and gets no new task; the next worker does', async () => {
    const first = await startWorker(t.env, t.bundle);
    await t.env.client.workflow.execute('echo', { taskQueue: first.taskQueue, workflowId: uid('before') });
    // The core keeps its polls open through shutdown (graceful): only the server's answer ends them.
    const began = Date.now();
    await first.stop();
    expect(Date.now() - began).toBeLessThan(10_000);
    // A task queued now waits for the next worker rather than going to the one that left.
    const handle = await t.env.client.workflow.start('echo', {
      taskQueue: first.taskQueue,
      workflowId: uid('after'),
      args: ['next'],
    });
    await withWorker(t.env, t.bundle, { taskQueue: first.taskQueue }, async () => {
      await expect(handle.result()).resolves.toBe('next');
    });
    const types = ((await handle.fetchHistory()).events ?? []).map((e) => e.eventType);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
  });

  test('a poll from a worker instance that shut down is answered empty at once', async () => {
    const taskQueue = uid('gone');
    const workerInstanceKey = uid('instance');
    await t.env.client.workflowService.shutdownWorker({
      namespace: 'default',
      taskQueue,
      workerInstanceKey,
      identity: 'test',
    });
    const handle = await t.env.client.workflow.start('echo', { taskQueue, workflowId: uid('not-for-gone') });
    const poll = await t.env.client.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'test',
      workerInstanceKey,
    });
    expect(poll.taskToken?.length ?? 0).toBe(0);
    // Another worker still gets the task.
    await expect(takeTask(t.env, taskQueue)).resolves.toMatchObject({ workflowType: { name: 'echo' } });
    // Its task is never completed: closed, so that it does not hold time skipping for later tests.
    await handle.terminate('done');
  });
});

// test-integration-update.ts: 'updateWithStart ...'
describe('update-with-start (ExecuteMultiOperation)', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle);
  });
  afterAll(async () => {
    await w?.stop();
  });
  const startOp = (workflowIdConflictPolicy: 'USE_EXISTING' | 'FAIL', workflowId = uid('uws')) =>
    new WithStartWorkflowOperation('workflowWithUpdates', {
      workflowId,
      taskQueue: w.taskQueue,
      workflowIdConflictPolicy,
    });

  test('happy path: the update starts the workflow, then reaches the running one', async () => {
    const op = startOp('USE_EXISTING');
    const updHandle = await t.env.client.workflow.startUpdateWithStart('update', {
      args: ['1'],
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: op,
    });
    await expect(updHandle.result()).resolves.toEqual(['1']);
    const wfHandle = await op.workflowHandle();
    await expect(wfHandle.executeUpdate('update', { args: ['2'] })).resolves.toEqual(['1', '2']);
    // USE_EXISTING: a second update-with-start goes to the same run.
    const again = startOp('USE_EXISTING', op.options.workflowId);
    await expect(
      t.env.client.workflow.executeUpdateWithStart('update', { args: ['3'], startWorkflowOperation: again }),
    ).resolves.toEqual(['1', '2', '3']);
    const [a, b] = await Promise.all([(await again.workflowHandle()).describe(), wfHandle.describe()]);
    expect(a.runId).toBe(b.runId);
    await wfHandle.executeUpdate('done-update');
    await expect(wfHandle.result()).resolves.toEqual(['1', '2', '3', 'done', '$']);
  });

  test('workflow already exists (FAIL): WorkflowExecutionAlreadyStartedError for both handles', async () => {
    const first = startOp('FAIL');
    await t.env.client.workflow.startUpdateWithStart('update', {
      args: ['1'],
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: first,
    });
    const second = startOp('FAIL', first.options.workflowId);
    const started = t.env.client.workflow.startUpdateWithStart('update', {
      args: ['1'],
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: second,
    });
    for (const promise of [started, second.workflowHandle()]) {
      const err = await promise.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      expect((err as Error).message).toBe('Workflow execution already started');
    }
    await (await first.workflowHandle()).terminate('done');
  });

  test('invalid argument: INVALID_ARGUMENT for both handles', async () => {
    const op = new WithStartWorkflowOperation('workflowWithUpdates', {
      workflowId: uid('x').repeat(77),
      taskQueue: 'does-not-exist',
      workflowIdConflictPolicy: 'FAIL',
    });
    const started = t.env.client.workflow.startUpdateWithStart('update', {
      args: ['1'],
      waitForStage: 'ACCEPTED',
      startWorkflowOperation: op,
    });
    for (const promise of [started, op.workflowHandle()]) {
      const err = await promise.catch((e: unknown) => e);
      expect(isGrpcServiceError(err) && err.code === grpcStatus.INVALID_ARGUMENT).toBe(true);
      expect((err as Error).message).toMatch(/workflowid.*length/i);
    }
  });
});

// test-async-completion.ts: '... by ID ...'
describe('activity completion, failure, cancellation and heartbeat by id', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle);
  });
  afterAll(async () => {
    await w?.stop();
  });
  const started = async (cancel = false) => {
    const workflowId = uid('async');
    const handle = await t.env.client.workflow.start('runAnAsyncActivity', {
      taskQueue: w.taskQueue,
      workflowId,
      args: [cancel],
    });
    const info = await eventually(
      async () => asyncActivities.get(workflowId),
      (i) => i !== undefined,
    );
    return { handle, id: { workflowId, activityId: info!.activityId } };
  };

  test('complete by id', async () => {
    const { handle, id } = await started();
    await t.env.client.activity.complete(id, 'success');
    await expect(handle.result()).resolves.toBe('success');
  });

  test('fail by id', async () => {
    const { handle, id } = await started();
    await t.env.client.activity.fail(id, new Error('failed'));
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause?.cause).toMatchObject({ message: 'failed' });
  });

  test('heartbeat by id until cancelled, then report the cancellation by id', async () => {
    const { handle, id } = await started(true);
    const heartbeating = async () => {
      for (;;) {
        await t.env.client.activity.heartbeat(id, 'details');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await expect(heartbeating()).rejects.toBeInstanceOf(ActivityCancelledError);
    await t.env.client.activity.reportCancellation(id, 'cancelled');
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ActivityFailure);
    expect(cause?.cause).toBeInstanceOf(CancelledFailure);
  });

  test('an activity that does not exist: ActivityNotFoundError', async () => {
    const id = { workflowId: uid('none'), activityId: '1' };
    await expect(t.env.client.activity.complete(id, 'success')).rejects.toBeInstanceOf(ActivityNotFoundError);
    await expect(t.env.client.activity.fail(id, new Error('x'))).rejects.toBeInstanceOf(
      ActivityNotFoundError,
    );
    await expect(t.env.client.activity.reportCancellation(id, 'x')).rejects.toBeInstanceOf(
      ActivityNotFoundError,
    );
    await expect(t.env.client.activity.heartbeat(id, 'x')).rejects.toBeInstanceOf(ActivityNotFoundError);
  });
});

describe('workflow retry policy', () => {
  let w: RunningWorker;
  beforeAll(async () => {
    w = await startWorker(t.env, t.bundle);
  });
  afterAll(async () => {
    await w?.stop();
  });
  const retry = { initialInterval: '1 minute', maximumAttempts: 5 };

  test('a failed run is retried as a new run with the next attempt; result() follows', async () => {
    const handle = await t.env.client.workflow.start('failsUntilAttempt', {
      taskQueue: w.taskQueue,
      workflowId: uid('wf-retry'),
      args: [3],
      retry,
    });
    await expect(handle.result()).resolves.toBe(3);
    const first = t.env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const failed = (await first.fetchHistory()).events?.at(-1)?.workflowExecutionFailedEventAttributes;
    expect(failed?.retryState).toBe(temporal.api.enums.v1.RetryState.RETRY_STATE_IN_PROGRESS);
    expect(failed?.newExecutionRunId).toBeTruthy();
    const last = await t.env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const started = last.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.attempt).toBe(3);
    expect(started?.initiator).toBe(
      temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY,
    );
    expect(started?.firstExecutionRunId).toBe(handle.firstExecutionRunId);
  });

  test('maximum attempts and non-retryable failures end the chain', async () => {
    const o = { taskQueue: w.taskQueue, retry: { ...retry, maximumAttempts: 2 } };
    const exhausted = await t.env.client.workflow
      .execute('failsUntilAttempt', { ...o, workflowId: uid('wf-max'), args: [5] })
      .catch((e: unknown) => e);
    expect(exhausted).toBeInstanceOf(WorkflowFailedError);
    expect((exhausted as WorkflowFailedError).cause?.message).toBe('attempt 2 failed');
    const fatal = await t.env.client.workflow
      .execute('failsUntilAttempt', { ...o, workflowId: uid('wf-fatal'), args: [5, true] })
      .catch((e: unknown) => e);
    expect((fatal as WorkflowFailedError).cause?.message).toBe('attempt 1 failed');
  });
});

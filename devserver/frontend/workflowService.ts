import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { RpcError, invalidArgument, namespaceNotFound, requireString } from '../grpc/errors';
import type { CallContext } from '../grpc/server';
import type {
  Payload,
  Payloads,
  WorkflowServiceHandlers,
  WorkflowServiceRequest,
  WorkflowServiceResponse,
} from '../grpc/messages';
import { duration, durationMs, timestamp } from '../history/events';
import { cronBackoffMs } from '../state/cronSchedule';
import { TaskQueueType } from '../taskqueues/pollers';
import type { DevServer } from '../server';
import { IdConflictPolicy } from '../state/enums';
import { normalizePolicies, resolveWorkflowId, terminateForNewRun } from '../state/workflowIdPolicy';
import type { Execution, PendingQuery } from '../state/execution';
import { decodeTaskToken, type TaskToken } from '../state/taskRefs';
import { namespaceId } from '../state/namespaceId';
import { UpdateStage, WorkflowUpdate } from '../state/updates';
import { reapplyOf } from '../state/reset';
import { checkUnversionedPoller } from '../state/workerVersions';
import { visibilityHandlers } from './visibility';
import { executeMultiOperation } from './multiOperation';
import { activityByIdHandlers } from './activityById';
import { activityPauseHandlers } from './activityPause';
import { describeExecution } from './executionInfo';
import { historyMessage } from '../history/encodedHistory';
import {
  cancelActivityWithinLimit,
  checkBlobSize,
  completeActivityWithinLimit,
  failActivityWithinLimit,
  heartbeatWithinLimit,
  payloadsSize,
} from '../state/sizeLimits';

const SERVER_VERSION = '1.27.0';

/** WorkflowService: the frontend API the SDK's client and worker call. */
export function workflowServiceHandlers(server: DevServer): WorkflowServiceHandlers {
  const execOf = (t: TaskToken): Execution => {
    // A token in Temporal's format names its namespace by id, which Temporal resolves first.
    if (t.nsId !== undefined && ![...server.namespaces].some((ns) => namespaceId(ns) === t.nsId)) {
      throw namespaceNotFound(t.nsId);
    }
    const exec = server.runById(t.r);
    if (!exec || exec.workflowId !== t.w) {
      throw new RpcError(status.NOT_FOUND, 'Workflow execution not found for the task token.');
    }
    return exec;
  };

  const start = (
    req: WorkflowServiceRequest<'StartWorkflowExecution' | 'SignalWithStartWorkflowExecution'>,
    initialEvents?: StartEvents,
  ): { exec: Execution; started: boolean } => {
    const namespace = server.checkNamespace(req.namespace);
    const workflowId = requireString(req.workflowId, 'WorkflowId');
    // Temporal's frontend limit (limit.maxIDLength).
    if (workflowId.length > 1000) throw invalidArgument('WorkflowId length exceeds limit.');
    const workflowType = requireString(req.workflowType?.name, 'WorkflowType');
    const taskQueue = requireString(req.taskQueue?.name, 'TaskQueue');
    checkBlobSize(server.dynamicConfig, payloadsSize(req.input));
    for (const f of ['workflowExecutionTimeout', 'workflowRunTimeout', 'workflowTaskTimeout'] as const) {
      if (durationMs(req[f]) < 0) throw invalidArgument(`${f} must not be negative.`);
    }
    const cronSchedule = req.cronSchedule || undefined;
    if (cronSchedule && durationMs(req.workflowStartDelay) > 0)
      throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
    // A cron workflow's first run waits for the schedule's next time (checked before any change).
    const cronDelay = cronSchedule ? duration(cronBackoffMs(cronSchedule, server.clock.now())) : undefined;
    const requestId: string = req.requestId || randomUUID();
    const existing = server.currentRun(namespace, workflowId);
    if (existing?.isRunning && existing.requestId && existing.requestId === requestId)
      return { exec: existing, started: true };
    // A signal-with-start signals the running workflow unless told otherwise.
    const policies = normalizePolicies(
      req.workflowIdReusePolicy,
      req.workflowIdConflictPolicy,
      initialEvents ? IdConflictPolicy.UseExisting : IdConflictPolicy.Fail,
    );
    const resolution = resolveWorkflowId(existing, policies);
    if (resolution.action === 'use-existing') return { exec: resolution.run, started: false };
    const runId = server.newRunId();
    if (resolution.action === 'terminate-existing') terminateForNewRun(resolution.run, runId);
    const exec = server.createExecution({
      namespace,
      workflowId,
      runId,
      cronSchedule,
      workflowType,
      taskQueue,
      input: req.input,
      header: req.header,
      memo: req.memo?.fields,
      searchAttributes: checkSearchAttributes(server, req.searchAttributes?.indexedFields),
      executionTimeout: req.workflowExecutionTimeout,
      runTimeout: req.workflowRunTimeout,
      taskTimeout: req.workflowTaskTimeout,
      retryPolicy: req.retryPolicy,
      identity: req.identity ?? undefined,
      requestId,
      startDelay: cronDelay ?? req.workflowStartDelay,
      userMetadata: req.userMetadata,
      priority: req.priority,
      initialEvents,
    });
    return { exec, started: true };
  };

  return {
    GetSystemInfo: (_req, ctx) => {
      // The SDK's core gzips every request by default, and grpc-js inflates each one with a new
      // zlib stream: about a quarter of this server's CPU, and native memory, under load. Refused
      // at connect with a message naming grpc-encoding, the core connects again uncompressed.
      if (ctx.compressed)
        throw new RpcError(
          status.UNIMPLEMENTED,
          'grpc-encoding gzip is not accepted by this server: send requests uncompressed',
        );
      return systemInfo();
    },
    GetClusterInfo: () => ({
      supportedClients: {},
      serverVersion: SERVER_VERSION,
      clusterId: 'devserver',
      clusterName: 'devserver',
      historyShardCount: 1,
      persistenceStore: server.persistenceStore(),
      visibilityStore: 'memory',
    }),
    DescribeNamespace: (req) => {
      const name = req.namespace || 'default';
      if (!server.namespaces.has(name)) throw namespaceNotFound(name);
      return describeNamespace(server, name);
    },
    ListNamespaces: () => ({ namespaces: [...server.namespaces].map((n) => describeNamespace(server, n)) }),
    GetSearchAttributes: () => ({ keys: server.searchAttributes.indexedValueTypes() }),

    StartWorkflowExecution: (req) => {
      const { exec, started } = start(req);
      const eagerWorkflowTask =
        req.requestEagerExecution && started ? exec.startEagerWorkflowTask(req.identity ?? '') : null;
      return {
        runId: exec.runId,
        started,
        status: exec.status,
        ...(eagerWorkflowTask && { eagerWorkflowTask }),
      };
    },

    SignalWorkflowExecution: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const signalName = requireString(req.signalName, 'SignalName');
      checkBlobSize(server.dynamicConfig, payloadsSize(req.input));
      const exec = server.findExecution(ns, req.workflowExecution, 'workflowExecution');
      exec.signal(signalName, req.input, req.identity ?? '', req.header, req.requestId ?? undefined);
      return {};
    },

    SignalWithStartWorkflowExecution: (req) => {
      server.checkNamespace(req.namespace);
      const signalName = requireString(req.signalName, 'SignalName');
      checkBlobSize(server.dynamicConfig, payloadsSize(req.signalInput));
      const signaled = {
        type: 'WorkflowExecutionSignaled' as const,
        attributes: {
          signalName,
          input: req.signalInput ?? undefined,
          identity: req.identity ?? '',
          header: req.header ?? undefined,
        },
      };
      const { exec, started } = start(req, [signaled]);
      // USE_EXISTING (the default here): the running workflow gets the signal.
      if (!started)
        exec.signal(signalName, req.signalInput, req.identity ?? '', req.header, req.requestId ?? undefined);
      return { runId: exec.runId, started };
    },

    TerminateWorkflowExecution: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.workflowExecution, 'workflowExecution');
      exec.terminate(req.reason ?? '', req.details, req.identity ?? '');
      return {};
    },

    ResetWorkflowExecution: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const base = server.findExecution(ns, req.workflowExecution, 'workflowExecution');
      const run = server.reset(base, {
        reason: req.reason ?? '',
        workflowTaskFinishEventId: Number(req.workflowTaskFinishEventId ?? 0),
        reapply: reapplyOf(req.resetReapplyType ?? 0, req.resetReapplyExcludeTypes ?? []),
        requestId: req.requestId ?? '',
      });
      return { runId: run.runId };
    },

    RequestCancelWorkflowExecution: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.workflowExecution, 'workflowExecution');
      exec.requestCancel(req.reason ?? '', req.identity ?? '');
      return {};
    },

    DescribeWorkflowExecution: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.execution);
      return describeExecution(exec);
    },

    GetWorkflowExecutionHistory: (req, ctx) => getHistory(server, req, ctx),

    GetWorkflowExecutionHistoryReverse: (req) => getHistoryReverse(server, req),

    DescribeTaskQueue: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const name = requireString(req.taskQueue?.name, 'TaskQueue');
      const type = (req.taskQueueType || TaskQueueType.Workflow) as TaskQueueType;
      return {
        pollers: server.pollers.recent(ns, name, type).map((p) => ({
          identity: p.identity,
          lastAccessTime: timestamp(p.lastAccessTime),
          // The SDK's default for task queue activities per second (no limit).
          ratePerSecond: 100_000,
        })),
        stats: req.reportStats ? { approximateBacklogCount: backlog(server, name, type) } : undefined,
        taskQueueStatus: req.includeTaskQueueStatus
          ? { backlogCountHint: backlog(server, name, type), ratePerSecond: 100_000 }
          : undefined,
      };
    },

    QueryWorkflow: async (req, ctx) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.execution);
      const queryType = requireString(req.query?.queryType, 'query.queryType');
      const result = await new Promise<Payloads | null | undefined>((resolve, reject) => {
        const id = randomUUID();
        const timer = setTimeout(
          () => fail(new RpcError(status.DEADLINE_EXCEEDED, 'query timed out: no worker answered')),
          server.queryTimeoutMs,
        );
        timer.unref();
        const onAbort = () => fail(new RpcError(status.CANCELLED, 'query cancelled by the client'));
        const settle = () => {
          clearTimeout(timer);
          ctx.signal.removeEventListener('abort', onAbort);
        };
        const fail = (err: Error) => {
          settle();
          exec.forgetQuery(id);
          reject(err);
        };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        const q: PendingQuery = {
          id,
          queryType,
          queryArgs: req.query?.queryArgs,
          header: req.query?.header,
          followsChain: !req.execution?.runId,
          resolve: (r) => {
            settle();
            resolve(r);
          },
          reject: (err) => {
            settle();
            reject(err);
          },
        };
        exec.query(q);
      });
      return { queryResult: result ?? undefined };
    },

    PollWorkflowTaskQueue: async (req, ctx) => {
      const ns = server.checkNamespace(req.namespace);
      const name = requireString(req.taskQueue?.name, 'TaskQueue');
      checkUnversionedPoller(req);
      server.pollers.polled(ns, name, TaskQueueType.Workflow, req.identity ?? '');
      const sticky = req.taskQueue?.kind === 2;
      const worker = req.workerInstanceKey || undefined;
      if (server.shutdownWorkers.has(worker)) return {};
      const deadline = Date.now() + server.pollTimeoutMs;
      const queue = server.workflowQueues.get(name);
      for (;;) {
        const ref = await queue.poll(ctx.signal, Math.max(0, deadline - Date.now()), worker);
        if (!ref) return {};
        const task =
          ref.kind === 'workflow'
            ? ref.exec.startWorkflowTask(ref, req.identity ?? '', sticky)
            : ref.exec.startQueryTask(ref, sticky);
        if (task) return task;
      }
    },

    RespondWorkflowTaskCompleted: (req) => {
      const t = decodeTaskToken(req.taskToken, 'w');
      return execOf(t).completeWorkflowTask(t, req);
    },

    RespondWorkflowTaskFailed: (req) => {
      const t = decodeTaskToken(req.taskToken, 'w');
      execOf(t).failWorkflowTask(t, req);
      return {};
    },

    RespondQueryTaskCompleted: (req) => {
      const t = decodeTaskToken(req.taskToken, 'q');
      execOf(t).answerQuery(t.q ?? '', req);
      return {};
    },

    PollActivityTaskQueue: async (req, ctx) => {
      const ns = server.checkNamespace(req.namespace);
      const name = requireString(req.taskQueue?.name, 'TaskQueue');
      checkUnversionedPoller(req);
      server.pollers.polled(ns, name, TaskQueueType.Activity, req.identity ?? '');
      const worker = req.workerInstanceKey || undefined;
      if (server.shutdownWorkers.has(worker)) return {};
      const deadline = Date.now() + server.pollTimeoutMs;
      const queue = server.activityQueues.get(name);
      for (;;) {
        const ref = await queue.poll(ctx.signal, Math.max(0, deadline - Date.now()), worker);
        if (!ref) return {};
        const task = ref.exec.startActivityTask(ref, req.identity ?? '');
        if (task) return task;
      }
    },

    RecordActivityTaskHeartbeat: (req) => {
      const t = decodeTaskToken(req.taskToken, 'a');
      return heartbeatWithinLimit(server.dynamicConfig, execOf(t), t, req.details, req.identity ?? '');
    },

    RespondActivityTaskCompleted: (req) => {
      const t = decodeTaskToken(req.taskToken, 'a');
      completeActivityWithinLimit(server.dynamicConfig, execOf(t), t, req.result, req.identity ?? '');
      return {};
    },

    RespondActivityTaskFailed: (req) => {
      const t = decodeTaskToken(req.taskToken, 'a');
      const exec = execOf(t);
      const identity = req.identity ?? '';
      return failActivityWithinLimit(
        server.dynamicConfig,
        exec,
        t,
        req.failure,
        identity,
        req.lastHeartbeatDetails,
      );
    },

    RespondActivityTaskCanceled: (req) => {
      const t = decodeTaskToken(req.taskToken, 'a');
      cancelActivityWithinLimit(server.dynamicConfig, execOf(t), t, req.details, req.identity ?? '');
      return {};
    },

    ...activityByIdHandlers(server),
    ...activityPauseHandlers(server),

    ShutdownWorker: (req) => {
      const queue: string = req.stickyTaskQueue ?? '';
      if (queue) {
        for (const exec of server.allRuns()) if (exec.isRunning) exec.stickyQueueGone(queue);
        server.workflowQueues.peek(queue)?.releasePollers();
      }
      // Its polls still waiting end now, with no task (worker_poll_complete_on_shutdown).
      const worker: string = req.workerInstanceKey ?? '';
      if (worker) {
        server.shutdownWorkers.add(worker);
        const taskQueue: string = req.taskQueue ?? '';
        if (taskQueue) {
          server.workflowQueues.peek(taskQueue)?.releasePollers(worker);
          server.activityQueues.peek(taskQueue)?.releasePollers(worker);
        }
      }
      return {};
    },

    ResetStickyTaskQueue: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.execution);
      if (exec.sticky) exec.stickyQueueGone(exec.sticky.queue);
      return {};
    },

    UpdateWorkflowExecution: async (req, ctx) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.workflowExecution, 'workflowExecution');
      const updateId = requireString(req.request?.meta?.updateId, 'request.meta.updateId');
      requireString(req.request?.input?.name, 'request.input.name');
      // requireString above: the request is set.
      const update = exec.admitUpdate(new WorkflowUpdate(updateId, req.request!));
      return awaitUpdate(server, exec, update, req.waitPolicy?.lifecycleStage, ctx);
    },

    ExecuteMultiOperation: (req, ctx) => executeMultiOperation(server, req, ctx, start),

    PollWorkflowExecutionUpdate: async (req, ctx) => {
      const ns = server.checkNamespace(req.namespace);
      const exec = server.findExecution(ns, req.updateRef?.workflowExecution, 'updateRef.workflowExecution');
      const updateId = requireString(req.updateRef?.updateId, 'updateRef.updateId');
      const update = exec.update(updateId);
      if (!update) throw new RpcError(status.NOT_FOUND, `update ${updateId} not found`);
      return awaitUpdate(server, exec, update, req.waitPolicy?.lifecycleStage, ctx);
    },

    ...visibilityHandlers(server),
  };
}

/** Waits (at most one long-poll period) for an update to reach the stage the caller asked for. */
export async function awaitUpdate(
  server: DevServer,
  exec: Execution,
  update: WorkflowUpdate,
  stage: number | null | undefined,
  ctx: CallContext,
): Promise<WorkflowServiceResponse<'UpdateWorkflowExecution' | 'PollWorkflowExecutionUpdate'>> {
  const wanted = stage && stage > UpdateStage.Admitted ? stage : UpdateStage.Accepted;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), server.historyLongPollMs);
  const onAbort = () => ac.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await update.waitFor(wanted, ac.signal);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return {
    updateRef: { workflowExecution: { workflowId: exec.workflowId, runId: exec.runId }, updateId: update.id },
    outcome: update.stage === UpdateStage.Completed ? update.outcome : undefined,
    stage: update.stage,
  };
}

type StartEvents = NonNullable<Parameters<DevServer['createExecution']>[0]['initialEvents']>;

function checkSearchAttributes(
  server: DevServer,
  fields: Record<string, Payload> | null | undefined,
): Record<string, Payload> | undefined {
  if (!fields) return undefined;
  try {
    server.searchAttributes.decode(fields);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  return server.searchAttributes.withTypeMetadata(fields);
}

function systemInfo(): WorkflowServiceResponse<'GetSystemInfo'> {
  return {
    serverVersion: SERVER_VERSION,
    capabilities: {
      signalAndQueryHeader: true,
      internalErrorDifferentiation: true,
      activityFailureIncludeHeartbeat: true,
      encodedFailureAttributes: true,
      upsertMemo: true,
      sdkMetadata: true,
      // As Temporal's server: the SDK's core then stamps each completion with its build id
      // (WorkflowTaskCompleted's workerVersion, workflowInfo().currentBuildId) instead of sending a
      // binary checksum. Versioned polls, which would need build-id routing, are refused.
      buildIdBasedVersioning: true,
      countGroupByExecutionStatus: true,
    },
  };
}

function describeNamespace(server: DevServer, name: string): WorkflowServiceResponse<'DescribeNamespace'> {
  return {
    namespaceInfo: {
      name,
      state: 1,
      id: namespaceId(name),
      capabilities: {
        eagerWorkflowStart: true,
        syncUpdate: true,
        asyncUpdate: true,
        workerPollCompleteOnShutdown: true,
      },
      // The SDK's core enforces the blob limit on its own completions when told it (memo size is
      // not limited by this server, so not told: 0 is no limit).
      limits: { blobSizeLimitError: server.dynamicConfig['limit.blobSize.error'] },
    },
    config: { workflowExecutionRetentionTtl: { seconds: 86400 } },
    isGlobalNamespace: false,
  };
}

/** Tasks waiting in a queue (DescribeTaskQueue's status, when asked for). */
function backlog(server: DevServer, name: string, type: TaskQueueType): number {
  if (type === TaskQueueType.Workflow) return server.workflowQueues.peek(name)?.backlog ?? 0;
  if (type === TaskQueueType.Activity) return server.activityQueues.peek(name)?.backlog ?? 0;
  return 0;
}

// ------------------------------------------------------------------ history

interface HistoryToken {
  r: string;
  e: number;
}

type HistoryResponse = WorkflowServiceResponse<'GetWorkflowExecutionHistory'>;

function historyToken(runId: string, nextEventId: number): Buffer {
  return Buffer.from(JSON.stringify({ r: runId, e: nextEventId } satisfies HistoryToken));
}

function parseHistoryToken(bytes: Uint8Array): HistoryToken {
  let t: HistoryToken;
  try {
    t = JSON.parse(Buffer.from(bytes).toString('utf8')) as HistoryToken;
  } catch {
    throw invalidArgument('nextPageToken is malformed.');
  }
  if (typeof t?.e !== 'number' || typeof t.r !== 'string')
    throw invalidArgument('nextPageToken is malformed.');
  return t;
}

/**
 * The run a history request reads and the event it continues from: the page token names both (a
 * run of the same workflow id, as `result()` follows a chain); without one, the run asked for.
 */
function pagedRun(
  server: DevServer,
  namespace: string,
  req: WorkflowServiceRequest<'GetWorkflowExecutionHistory' | 'GetWorkflowExecutionHistoryReverse'>,
): { exec: Execution; from?: number } {
  const exec = server.findExecution(namespace, req.execution);
  if (!req.nextPageToken?.length) return { exec };
  const t = parseHistoryToken(req.nextPageToken);
  const named = server.runById(t.r);
  if (!named || named.workflowId !== exec.workflowId)
    throw invalidArgument('nextPageToken does not belong to this execution.');
  return { exec: named, from: t.e };
}

async function getHistory(
  server: DevServer,
  req: WorkflowServiceRequest<'GetWorkflowExecutionHistory'>,
  ctx: CallContext,
): Promise<HistoryResponse> {
  const ns = server.checkNamespace(req.namespace);
  const { exec, from = 1 } = pagedRun(server, ns, req);
  const token = (e: number) => historyToken(exec.runId, e);
  const closeOnly = req.historyEventFilterType === 2;
  const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
  const page = (): HistoryResponse | undefined => {
    const length = exec.history.length;
    if (closeOnly) {
      return exec.isRunning ? undefined : { history: historyMessage(exec.history.encoded(length)) };
    }
    const count = Math.max(0, Math.min(pageSize, length - from + 1));
    const next = from + count;
    const more = next <= length;
    if (count === 0 && req.waitNewEvent && exec.isRunning) return undefined;
    let events = count > 0 ? exec.history.encoded(from, next - 1) : Buffer.alloc(0);
    const transient = exec.wft?.transientEvents;
    if (!more && !req.waitNewEvent && transient) events = Buffer.concat([events, transient]);
    const waitMore = req.waitNewEvent && (exec.isRunning || more);
    return { history: historyMessage(events), nextPageToken: more || waitMore ? token(next) : undefined };
  };
  const now = page();
  if (now) return now;
  if (!req.waitNewEvent) return { history: { events: [] } };
  // The long poll: re-check on every change of the run, until the deadline or the caller leaves.
  // One timer and one subscription per call, however many events the run writes meanwhile.
  return new Promise((resolve) => {
    const finish = (res: HistoryResponse) => {
      clearTimeout(timer);
      unwatch();
      ctx.signal.removeEventListener('abort', giveUp);
      resolve(res);
    };
    const giveUp = () => finish({ history: { events: [] }, nextPageToken: token(from) });
    const timer = setTimeout(giveUp, server.historyLongPollMs);
    const unwatch = exec.watch(() => {
      const res = page();
      if (res) finish(res);
    });
    if (ctx.signal.aborted) giveUp();
    else ctx.signal.addEventListener('abort', giveUp, { once: true });
  });
}

/**
 * GetWorkflowExecutionHistoryReverse: the run's events from the last one back, a page at a time
 * (the Temporal UI's history in descending order). The token names the run and the next event id.
 */
function getHistoryReverse(
  server: DevServer,
  req: WorkflowServiceRequest<'GetWorkflowExecutionHistoryReverse'>,
): WorkflowServiceResponse<'GetWorkflowExecutionHistoryReverse'> {
  const ns = server.checkNamespace(req.namespace);
  const { exec, from: next = Infinity } = pagedRun(server, ns, req);
  const from = Math.min(next, exec.history.length);
  const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
  const to = Math.max(1, from - pageSize + 1);
  const events = from >= 1 ? exec.history.events(to, from).reverse() : [];
  return {
    history: { events },
    nextPageToken: to > 1 ? historyToken(exec.runId, to - 1) : undefined,
  };
}

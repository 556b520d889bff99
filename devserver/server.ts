import { randomUUID } from 'node:crypto';
import { Server } from '@grpc/grpc-js';
import { VirtualClock } from './clock/virtualClock';
import { resolveDynamicConfig, type DynamicConfig } from './dynamicConfig';
import { workflowServiceHandlers } from './frontend/workflowService';
import { RpcError, invalidArgument, namespaceNotFound } from './grpc/errors';
import { addProtoService, bindServer, type Handlers, type ServiceHandlers } from './grpc/server';
import { HttpApi } from './http/httpApi';
import type { CommandAttributes, Payload, UserMetadata, WorkflowExecution } from './grpc/messages';
import type { EventAttributes } from './history/events';
import type { ContinuedAsNewAttributes } from './state/close';
import { Execution, type ExecutionHost, type StartParams } from './state/execution';
import { IdConflictPolicy, StartChildFailedCause } from './state/enums';
import { normalizePolicies, resolveWorkflowId } from './state/workflowIdPolicy';
import { mergePriority } from './state/priorities';
import type { ActivityTaskRef, QueryTaskRef, WorkflowTaskRef } from './state/taskRefs';
import { TaskQueues } from './taskqueues/taskQueue';
import { PollerHistory } from './taskqueues/pollers';
import { ShutdownWorkers } from './taskqueues/workerShutdown';
import { testServiceHandlers } from './testservice/testService';
import { operatorServiceHandlers, healthHandlers } from './frontend/operatorService';
import { SearchAttributeRegistry } from './visibility/searchAttributes';
import { DEFAULT_RETENTION_MS, ServerPersistence } from './persistence/serverPersistence';
import type { StoreOptions } from './persistence/store';
import { restoreRun, resumeRun, runRecord, type RunRecord } from './state/restore';
import { ContinueAsNewInitiator } from './state/workflowRetry';
import { RunLocks } from './state/outstandingWork';
import { duration } from './history/events';
import { RESETTER_IDENTITY, resetPoint, resetRun, terminatedByResetter, type Reapply } from './state/reset';
import { status } from '@grpc/grpc-js';

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const OPERATOR_SERVICE = 'temporal.api.operatorservice.v1.OperatorService';

/** Custom attributes Temporal's own dev and test servers come with. */
export const DEFAULT_CUSTOM_SEARCH_ATTRIBUTES: Record<string, string> = {
  CustomKeywordField: 'Keyword',
  CustomStringField: 'Text',
  CustomTextField: 'Text',
  CustomIntField: 'Int',
  CustomDatetimeField: 'Datetime',
  CustomDoubleField: 'Double',
  CustomBoolField: 'Bool',
};

export interface DevServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * Serve Temporal's HTTP API (grpc-gateway's JSON routes, `/api/v1/...`) on this port; 0 picks a
   * free one. Not served when undefined.
   */
  httpPort?: number;
  host?: string;
  namespace?: string;
  /** Custom search attributes, NAME -> TYPE (Keyword, Text, Int, Double, Bool, Datetime, KeywordList). */
  searchAttributes?: Record<string, string>;
  /** How long a task poll waits before answering "no task" (the real server: about 60 s). */
  pollTimeoutMs?: number;
  /** How long a history long poll waits before answering an empty page with a next-page token. */
  historyLongPollMs?: number;
  /** How long QueryWorkflow waits for a worker's answer. */
  queryTimeoutMs?: number;
  /** Keep the state in this file (Temporal CLI's --db-filename); without it, in memory. */
  dbFilename?: string;
  /** How long a closed run is kept when persisting (default: 24 h, as Temporal's dev server). */
  retentionMs?: number;
  /** The state file cannot be written any more: the server refuses changes from then on. */
  onPersistenceFailure?: (error: Error) => void;
  /**
   * Dynamic config by Temporal's keys, as `--dynamic-config-value KEY=VALUE`: the continue-as-new
   * suggestion (`limit.historyCount.suggestContinueAsNew`, `limit.historySize.suggestContinueAsNew`)
   * and the blob size limits (`limit.blobSize.error`, `limit.blobSize.warn`). Temporal's defaults otherwise.
   */
  dynamicConfig?: Partial<DynamicConfig>;
  /** Compaction thresholds and file operations of the state file (tests, the benchmark). */
  stateFile?: Pick<StoreOptions, 'compactRatio' | 'compactMinBytes' | 'io'>;
  log?: (line: string) => void;
}

/**
 * The in-memory Temporal server: executions by namespace and workflow id, task queues, the clock.
 * Implements the ExecutionHost side of the mutable state (queues, other executions, time skipping).
 */
export class DevServer implements ExecutionHost {
  readonly clock: VirtualClock;
  readonly dynamicConfig: DynamicConfig;
  readonly namespaces: Set<string>;
  readonly searchAttributes: SearchAttributeRegistry;
  readonly workflowQueues = new TaskQueues<WorkflowTaskRef | QueryTaskRef>();
  readonly activityQueues = new TaskQueues<ActivityTaskRef>();
  /** Pollers seen lately, by task queue and type (DescribeTaskQueue). */
  readonly pollers = new PollerHistory();
  readonly shutdownWorkers = new ShutdownWorkers();
  readonly pollTimeoutMs: number;
  readonly historyLongPollMs: number;
  readonly queryTimeoutMs: number;
  private readonly runs = new Map<string, Execution>();
  /** namespace + workflow id -> runs, oldest first; the last one is the current run. */
  private readonly chains = new Map<string, Execution[]>();
  /** The time-skipping locks the runs' outstanding work holds (read from their state). */
  private readonly runLocks = new RunLocks();
  private grpc: Server | undefined;
  private http: HttpApi | undefined;
  /** The services' handlers, made once: gRPC and HTTP share them (and their visibility store). */
  private services: ServiceHandlers[] | undefined;
  private readonly log: (line: string) => void;
  /** Listeners told about every change (visibility). */
  readonly onChange: ((exec: Execution) => void)[] = [];
  /** Listeners told when a closed run is removed after its retention (visibility). */
  readonly onRemove: ((exec: Execution) => void)[] = [];
  /** Set when the state is kept in a file (options.dbFilename). */
  private readonly persistence: ServerPersistence<Execution> | undefined;
  private readonly retentionMs: number;

  constructor(readonly options: DevServerOptions = {}) {
    this.dynamicConfig = resolveDynamicConfig(options.dynamicConfig);
    this.clock = new VirtualClock(this.runLocks);
    this.namespaces = new Set(['default', options.namespace ?? 'default']);
    this.searchAttributes = new SearchAttributeRegistry({
      ...DEFAULT_CUSTOM_SEARCH_ATTRIBUTES,
      ...options.searchAttributes,
    });
    this.pollTimeoutMs = options.pollTimeoutMs ?? 55_000;
    this.historyLongPollMs = options.historyLongPollMs ?? 20_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
    this.log = options.log ?? (() => undefined);
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    if (options.dbFilename) this.persistence = this.openStateFile(options.dbFilename);
  }

  /** Opens the state file, brings its runs back and resumes the open ones. */
  private openStateFile(file: string): ServerPersistence<Execution> {
    const { persistence, recovered } = ServerPersistence.open<Execution>(
      this,
      file,
      {
        key: (e) => [e.namespace, e.workflowId, e.runId],
        state: runRecord,
        history: (e) => e.history,
      },
      { ...this.options.stateFile, onFailure: this.options.onPersistenceFailure },
    );
    if (recovered.truncatedBytes > 0) {
      this.log(
        `the state file ${file} ended in a write cut short (${recovered.truncatedBytes} bytes, never acknowledged): dropped`,
      );
    }
    const restored = recovered.runs.map((r) => {
      const exec = restoreRun(this, r.state as RunRecord, r.history);
      this.register(exec);
      return exec;
    });
    // Once every run is back: resuming may fire deadlines that reach other runs (parents, children).
    for (const exec of restored) {
      if (exec.isRunning) resumeRun(exec);
      else this.keepForRetention(exec);
    }
    persistence.store.setSnapshotSource({
      runs: () =>
        [...this.runs.values()].map((e) => ({
          key: [e.namespace, e.workflowId, e.runId] as const,
          state: runRecord(e),
          history: e.history,
        })),
      meta: () => persistence.metaSnapshot(),
    });
    return persistence;
  }

  async listen(): Promise<{ port: number; address: string; httpPort?: number }> {
    const server = new Server({ 'grpc.max_receive_message_length': 128 * 1024 * 1024 });
    const onError = (method: string, err: unknown) =>
      this.log(`internal error in ${method}: ${(err as Error)?.stack ?? String(err)}`);
    // A persistent server replies to a request that changed something once the change is on disk.
    const durable = (method: string) => this.persistence?.durableBefore(method);
    // Every call naming a namespace the server does not know is refused first, as Temporal's
    // namespace validator does (activity completions before their task token is read).
    const knownNamespace = (method: string, req: { namespace?: unknown }) => {
      if (method !== 'RegisterNamespace' && typeof req.namespace === 'string' && req.namespace)
        this.checkNamespace(req.namespace);
    };
    this.services ??= [
      {
        name: WORKFLOW_SERVICE,
        handlers: workflowServiceHandlers(this) as Handlers,
        validate: knownNamespace,
      },
      { name: 'temporal.api.testservice.v1.TestService', handlers: testServiceHandlers(this) as Handlers },
      {
        name: OPERATOR_SERVICE,
        handlers: operatorServiceHandlers(this) as Handlers,
        validate: knownNamespace,
      },
    ];
    for (const s of this.services) addProtoService(server, s.name, s.handlers, onError, durable, s.validate);
    addProtoService(server, 'grpc.health.v1.Health', healthHandlers(), onError);
    const host = this.options.host ?? '127.0.0.1';
    const port = await bindServer(server, host, this.options.port ?? 0);
    this.grpc = server;
    if (this.options.httpPort === undefined) return { port, address: `${host}:${port}` };
    // Temporal's HTTP API serves the frontend's services (not TestService).
    const http = new HttpApi({
      services: this.services.filter((s) => s.name === WORKFLOW_SERVICE || s.name === OPERATOR_SERVICE),
      beforeReply: durable,
      onError,
    });
    try {
      const httpPort = await http.listen(host, this.options.httpPort);
      this.http = http;
      return { port, address: `${host}:${port}`, httpPort };
    } catch (err) {
      await this.closeServing();
      throw err;
    }
  }

  async close(): Promise<void> {
    try {
      await this.closeServing();
    } finally {
      await this.persistence?.close();
    }
  }

  private async closeServing(): Promise<void> {
    this.clock.close();
    this.workflowQueues.releaseAll();
    this.activityQueues.releaseAll();
    const gone = new RpcError(status.UNAVAILABLE, 'server is shutting down');
    for (const e of this.runs.values()) e.abandonQueries(gone);
    const http = this.http;
    this.http = undefined;
    await http?.close();
    const server = this.grpc;
    this.grpc = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 500);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ---------------------------------------------------------------- lookups

  checkNamespace(ns: unknown): string {
    if (typeof ns !== 'string' || !ns) throw invalidArgument('Namespace not set on request.');
    if (!this.namespaces.has(ns)) throw namespaceNotFound(ns);
    return ns;
  }

  private key(ns: string, workflowId: string): string {
    return `${ns}\u0000${workflowId}`;
  }

  currentRun(ns: string, workflowId: string): Execution | undefined {
    const chain = this.chains.get(this.key(ns, workflowId));
    return chain?.[chain.length - 1];
  }

  /** The run named by a WorkflowExecution message (current run when runId is empty), or NOT_FOUND. */
  findExecution(ns: string, execution: WorkflowExecution | null | undefined, field = 'execution'): Execution {
    const workflowId = execution?.workflowId;
    if (typeof workflowId !== 'string' || !workflowId)
      throw invalidArgument(`${field}.workflowId is not set on request.`);
    const runId: string = execution?.runId ?? '';
    const exec = runId ? this.runs.get(runId) : this.currentRun(ns, workflowId);
    if (!exec || exec.workflowId !== workflowId || exec.namespace !== ns) {
      throw new RpcError(
        status.NOT_FOUND,
        `workflow not found for ID: ${workflowId}${runId ? ` and run ID: ${runId}` : ''}`,
        [{ typeName: 'temporal.api.errordetails.v1.NotFoundFailure', value: {} }],
      );
    }
    return exec;
  }

  runById(runId: string): Execution | undefined {
    return this.runs.get(runId);
  }

  allRuns(): IterableIterator<Execution> {
    return this.runs.values();
  }

  createExecution(p: StartParams): Execution {
    const exec = new Execution(this, p);
    this.register(exec);
    this.changed(exec);
    return exec;
  }

  private register(exec: Execution): void {
    this.runs.set(exec.runId, exec);
    const k = this.key(exec.namespace, exec.workflowId);
    const chain = this.chains.get(k);
    if (chain) chain.push(exec);
    else this.chains.set(k, [exec]);
  }

  /**
   * A persistent server removes a closed run once the namespace's retention has passed, as
   * Temporal does: the file holds what is live (a continue-as-new chain does not grow it).
   */
  private keepForRetention(exec: Execution): void {
    if (!this.persistence) return;
    this.clock.at(exec.closeTime + this.retentionMs, () => this.removeRun(exec));
  }

  private removeRun(exec: Execution): void {
    if (this.runs.get(exec.runId) !== exec) return;
    this.runs.delete(exec.runId);
    const k = this.key(exec.namespace, exec.workflowId);
    const chain = this.chains.get(k)?.filter((e) => e !== exec);
    if (chain?.length) this.chains.set(k, chain);
    else this.chains.delete(k);
    this.runLocks.removed(exec);
    for (const l of this.onRemove) l(exec);
    this.persistence?.persister.runRemoved(exec);
  }

  /** Where the state is kept, as GetClusterInfo's persistenceStore says it. */
  persistenceStore(): string {
    return this.options.dbFilename ? `journal file ${this.options.dbFilename}` : 'memory';
  }

  /** Figures about the state file, or undefined when in memory. */
  persistenceSummary(): string | undefined {
    return this.persistence?.summary();
  }

  /** AddSearchAttributes registered new ones (a persistent server keeps them). */
  searchAttributesChanged(): void {
    this.persistence?.searchAttributesChanged();
  }

  // ---------------------------------------------------------------- ExecutionHost

  enqueueWorkflowTask(queue: string, ref: WorkflowTaskRef | QueryTaskRef): void {
    this.workflowQueues.get(queue).offer(ref);
  }

  enqueueActivityTask(queue: string, ref: ActivityTaskRef): void {
    this.activityQueues.get(queue).offer(ref);
  }

  changed(exec: Execution): void {
    this.runLocks.changed(exec);
    this.clock.timeSkipping.workChanged();
    for (const l of this.onChange) l(exec);
    this.persistence?.persister.runChanged(exec);
    this.clock.requestSkipCheck();
  }

  closed(exec: Execution): void {
    this.runLocks.changed(exec);
    this.clock.timeSkipping.workChanged();
    this.keepForRetention(exec);
    const children = [...exec.children.values()];
    queueMicrotask(() => {
      // A run followed by another (continue-as-new, a retry) leaves the parent waiting for the last.
      if (exec.parent && !exec.nextRunId) {
        this.parentRun(exec.parent.runId)?.childClosed(exec.parent.initiatedEventId, exec);
      }
      // A run terminated by a reset keeps its children for the new run (Temporal skips the parent
      // close policy then, and forwards their close along resetRunId: parentRun).
      if (exec.state.resetRunId && terminatedByResetter(exec)) return;
      // Parent close policy: TERMINATE (default) or REQUEST_CANCEL the children still running.
      for (const c of children) {
        const child = this.currentRun(exec.namespace, c.workflowId);
        if (!child?.isRunning || c.closePolicy === 2) continue;
        if (c.closePolicy === 3) child.requestCancel('parent closed', 'server');
        else child.terminate('by parent close policy', null, 'server');
      }
    });
  }

  /** The run a child reports its close to: its parent's, or the run that parent was reset to. */
  private parentRun(runId: string): Execution | undefined {
    let run = this.runs.get(runId);
    for (let hops = 0; run && !run.isRunning && run.state.resetRunId && hops < 100; hops++) {
      run = this.runs.get(run.state.resetRunId);
    }
    return run;
  }

  continueAsNew(exec: Execution, a: ContinuedAsNewAttributes, newRunId: string): void {
    this.createExecution({
      namespace: exec.namespace,
      workflowId: exec.workflowId,
      runId: newRunId,
      firstRunId: exec.firstRunId,
      // Both filled in by close.ts's continueAsNew.
      workflowType: a.workflowType!.name!,
      taskQueue: a.taskQueue!.name!,
      input: a.input,
      header: a.header,
      memo: a.memo?.fields ?? exec.memo,
      searchAttributes:
        this.typedSearchAttributes(a.searchAttributes?.indexedFields) ?? exec.searchAttributes,
      runTimeout: a.workflowRunTimeout,
      taskTimeout: a.workflowTaskTimeout,
      startDelay: a.backoffStartInterval,
      parent: exec.parent,
      root: exec.state.root,
      priority: exec.state.priority,
      continuedFrom: { runId: exec.runId, attrs: a },
      ...(a.initiator === ContinueAsNewInitiator.CronSchedule && {
        retryPolicy: a.retryPolicy,
        cronSchedule: a.cronSchedule ?? undefined,
        executionStartTime: this.clock.now(),
      }),
      ...(a.initiator === ContinueAsNewInitiator.Retry && {
        cronSchedule: exec.state.cronSchedule,
        retryPolicy: a.retryPolicy,
        attempt: (exec.state.attempt ?? 1) + 1,
        executionStartTime: exec.state.executionStartTime,
        executionTimeout: exec.executionTimeoutMs ? duration(exec.executionTimeoutMs) : undefined,
      }),
    });
  }

  startChild(
    parent: Execution,
    initiatedEventId: number,
    a: EventAttributes<'StartChildWorkflowExecutionInitiated'>,
    userMetadata?: UserMetadata | null,
  ): { runId: string } | { error: number } {
    // validateCommand checked the workflow id and type.
    const workflowId = a.workflowId!;
    // A child never replaces a running workflow; a closed one is judged by the child's reuse policy.
    const policies = {
      ...normalizePolicies(a.workflowIdReusePolicy, null, IdConflictPolicy.Fail),
      conflict: IdConflictPolicy.Fail,
    };
    try {
      resolveWorkflowId(this.currentRun(parent.namespace, workflowId), policies);
    } catch {
      return { error: StartChildFailedCause.WorkflowAlreadyExists };
    }
    const exec = this.createExecution({
      namespace: parent.namespace,
      workflowId,
      runId: this.newRunId(),
      workflowType: a.workflowType!.name!,
      taskQueue: a.taskQueue?.name || parent.taskQueue,
      input: a.input,
      header: a.header,
      memo: a.memo?.fields,
      searchAttributes: this.typedSearchAttributes(a.searchAttributes?.indexedFields),
      executionTimeout: a.workflowExecutionTimeout,
      runTimeout: a.workflowRunTimeout,
      taskTimeout: a.workflowTaskTimeout,
      retryPolicy: a.retryPolicy,
      parent: {
        namespace: parent.namespace,
        workflowId: parent.workflowId,
        runId: parent.runId,
        initiatedEventId,
        closePolicy: a.parentClosePolicy || 1,
      },
      root: parent.state.root ?? { workflowId: parent.workflowId, runId: parent.runId },
      userMetadata,
      priority: mergePriority(parent.state.priority, a.priority),
    });
    return { runId: exec.runId };
  }

  signalExternal(
    from: Execution,
    a: CommandAttributes<'signalExternalWorkflowExecutionCommandAttributes'>,
  ): boolean {
    const target = this.lookupQuietly(from.namespace, a.execution?.workflowId, a.execution?.runId);
    if (!target?.isRunning) return false;
    queueMicrotask(() => {
      if (target.isRunning) {
        target.signal(a.signalName!, a.input, 'workflow', a.header, undefined, {
          workflowId: from.workflowId,
          runId: from.runId,
        });
      }
    });
    return true;
  }

  cancelExternal(
    from: Execution,
    a: CommandAttributes<'requestCancelExternalWorkflowExecutionCommandAttributes'>,
  ): boolean {
    const target = this.lookupQuietly(from.namespace, a.workflowId, a.runId);
    if (!target?.isRunning) return false;
    queueMicrotask(() => {
      if (target.isRunning) target.requestCancel(a.reason ?? '', 'workflow');
    });
    return true;
  }

  private lookupQuietly(
    ns: string,
    workflowId: string | null | undefined,
    runId: string | null | undefined,
  ): Execution | undefined {
    if (!workflowId) return undefined;
    const exec = runId ? this.runs.get(runId) : this.currentRun(ns, workflowId);
    return exec?.workflowId === workflowId ? exec : undefined;
  }

  typedSearchAttributes<F extends Record<string, Payload> | null | undefined>(fields: F): F {
    return fields ? (this.searchAttributes.withTypeMetadata(fields) as F) : fields;
  }

  /**
   * ResetWorkflowExecution (state/reset.ts): a new run from `base`'s history up to the reset
   * point replaces the workflow id's current run, which is terminated if still running.
   */
  reset(
    base: Execution,
    o: {
      reason: string;
      workflowTaskFinishEventId: number;
      reapply: Reapply;
      requestId: string;
    },
  ): Execution {
    const current = this.currentRun(base.namespace, base.workflowId)!;
    // A retried request answers with the run it made.
    if (o.requestId && current.requestId === o.requestId && current.state.lastResetTime) return current;
    const point = resetPoint(base, o.workflowTaskFinishEventId);
    const laterRuns: Execution[] = [];
    for (let r = base; r.nextRunId;) {
      const next = this.runs.get(r.nextRunId);
      if (!next) break;
      laterRuns.push((r = next));
    }
    const newRunId = this.newRunId();
    const run = resetRun(this, base, point, {
      ...o,
      requestId: o.requestId || randomUUID(),
      newRunId,
      laterRuns,
      beforeStart: () => {
        if (current.isRunning) current.terminate(o.reason, null, RESETTER_IDENTITY);
        base.touch(() => (base.state.resetRunId = newRunId));
      },
    });
    this.register(run);
    this.changed(run);
    return run;
  }

  newRunId(): string {
    return randomUUID();
  }
}

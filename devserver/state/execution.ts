import type { ClockTimer, VirtualClock } from '../clock/virtualClock';
import type { DynamicConfig } from '../dynamicConfig';
import type {
  CommandAttributes,
  DurationMessage,
  Failure,
  Header,
  PendingActivityInfo,
  PendingWorkflowTaskInfo,
  Payload,
  Payloads,
  PollActivityTaskQueueResponse,
  PollWorkflowTaskQueueResponse,
  RespondQueryTaskCompletedRequest,
  RespondWorkflowTaskCompletedRequest,
  RespondWorkflowTaskCompletedResponse,
  RespondWorkflowTaskFailedRequest,
  Priority,
  RetryPolicyMessage,
  UserMetadata,
  WorkflowExecution,
} from '../grpc/messages';
import {
  duration,
  durationMs,
  type EventAttributes,
  type EventTypeName,
  type HistoryEvent,
  type NewEvent,
} from '../history/events';
import { EncodedHistory } from '../history/encodedHistory';
import * as activities from './activities';
import type { ActivityTimers, HeartbeatResponse } from './activities';
import * as cancellation from './cancellation';
import { childClosed } from './childWorkflows';
import { runTimedOut, type ContinuedAsNewAttributes } from './close';
import { ExecutionStatus, TaskQueueKind } from './enums';
import { append } from './historyBuilder';
import { interned } from './interned';
import {
  NO_FIELDS,
  type ActivityInfo,
  type ChildInfo,
  type MutableState,
  type ParentInfo,
  type StickyInfo,
  type WorkflowTaskInfo,
} from './mutableState';
import * as queries from './queries';
import type { PendingQuery } from './queries';
import { signal } from './signals';
import type { ActivityTaskRef, QueryTaskRef, TaskToken, WorkflowTaskRef } from './taskRefs';
import { admitUpdate, type WorkflowUpdate } from './updates';
import * as workflowTask from './workflowTask';
import { completeWorkflowTask } from './workflowTaskCompleted';

export type { ChildInfo, ParentInfo } from './mutableState';
export type { PendingQuery } from './queries';

/** What an execution needs from the server around it (queues, clock, other executions). */
export interface ExecutionHost {
  clock: VirtualClock;
  /** The dynamic config values the history service reads (limits). */
  readonly dynamicConfig: DynamicConfig;
  enqueueWorkflowTask(queue: string, ref: WorkflowTaskRef | QueryTaskRef): void;
  enqueueActivityTask(queue: string, ref: ActivityTaskRef): void;
  /** Called after every state change: time-skipping locks, history waiters, visibility, persistence. */
  changed(exec: Execution): void;
  closed(exec: Execution): void;
  continueAsNew(exec: Execution, attrs: ContinuedAsNewAttributes, newRunId: string): void;
  runById(runId: string): Execution | undefined;
  startChild(
    parent: Execution,
    initiatedEventId: number,
    attrs: EventAttributes<'StartChildWorkflowExecutionInitiated'>,
    userMetadata?: UserMetadata | null,
  ): { runId: string } | { error: number };
  signalExternal(
    from: Execution,
    attrs: CommandAttributes<'signalExternalWorkflowExecutionCommandAttributes'>,
  ): boolean;
  cancelExternal(
    from: Execution,
    attrs: CommandAttributes<'requestCancelExternalWorkflowExecutionCommandAttributes'>,
  ): boolean;
  newRunId(): string;
  /** Search attribute payloads with their registered type in the `type` metadata. */
  typedSearchAttributes<F extends Record<string, Payload> | null | undefined>(fields: F): F;
}

export interface StartParams {
  namespace: string;
  workflowId: string;
  runId: string;
  firstRunId?: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | null;
  header?: Header | null;
  memo?: Record<string, Payload> | null;
  searchAttributes?: Record<string, Payload> | null;
  executionTimeout?: DurationMessage | null;
  runTimeout?: DurationMessage | null;
  taskTimeout?: DurationMessage | null;
  retryPolicy?: RetryPolicyMessage | null;
  /** A retry of the workflow (workflowRetry.ts): its attempt, and when the first attempt started. */
  attempt?: number;
  executionStartTime?: number;
  /** A cron workflow's schedule (its first run's start delay is computed by the caller). */
  cronSchedule?: string;
  identity?: string;
  requestId?: string;
  startDelay?: DurationMessage | null;
  parent?: ParentInfo;
  /** A child's root workflow execution (its parent's root). */
  root?: { workflowId: string; runId: string };
  continuedFrom?: { runId: string; attrs: ContinuedAsNewAttributes };
  /** The static summary and details (the started event's user metadata). */
  userMetadata?: UserMetadata | null;
  priority?: Priority | null;
  /** Events written right after WorkflowExecutionStarted (signal-with-start). */
  initialEvents?: NewEvent[];
}

const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;

const NO_ENTRIES = new Map<unknown, unknown>();
const noEntries = <K, V>() => NO_ENTRIES as ReadonlyMap<K, V>;

/**
 * One workflow run as the server sees it: its durable MutableState (plain data, mutableState.ts)
 * and the runtime-only parts beside it (the host, clock handles, queries, updates, history
 * watchers). The behaviour lives in one module per Temporal concept, each a set of functions of
 * the run: workflowTask (the task state machine), workflowTaskCompleted (commands), activities,
 * timers, queries, updates, childWorkflows, externalWorkflows, signals, cancellation, close,
 * historyBuilder (writing and holding back events). This class is the server's entry to them.
 *
 * Kept small, as thousands of runs may wait on a timer: the history is encoded bytes, and the
 * collections that are empty most of the time are created on first use.
 */
export class Execution {
  readonly state: MutableState;

  // Runtime-only (see mutableState.ts): rebuilt, never snapshotted.
  /** The current workflow task's clock handle (its start-to-close or sticky schedule-to-start timeout). */
  wftTimeout: ClockTimer | undefined;
  /** Queries the current workflow task carries. */
  wftQueries: PendingQuery[] = [];
  /** Queries that arrived while a task was started: attached to the next task, or sent alone. */
  waitingQueries: PendingQuery[] | undefined;
  queriesById: Map<string, PendingQuery> | undefined;
  /** User timers' clock handles, at their timers' indexes in state.timers. */
  timerHandles: ClockTimer[] | undefined;
  /** Activities' clock handles, by scheduled event id. */
  activityTimers: Map<number, ActivityTimers> | undefined;
  /** The run timeout and the start delay. */
  runTimers: ClockTimer[] | undefined;
  /** Workflow updates by id (admitted, delivered, accepted; completed ones stay for dedupe). */
  updateMap: Map<string, WorkflowUpdate> | undefined;
  /** Long polls on the history, told of every change. */
  private watchers: Set<() => void> | undefined;
  /** A completion's commands are being applied (events arriving now are held back). */
  completing = false;
  unhandledCommand = false;

  constructor(
    readonly host: ExecutionHost,
    p: StartParams | { restored: MutableState },
  ) {
    if ('restored' in p) {
      // A run read back from the state file: its runtime parts are rebuilt by restore.ts's resumeRun.
      this.state = p.restored;
      return;
    }
    const now = host.clock.now();
    const delayMs = durationMs(p.startDelay);
    const executionTimeoutMs = durationMs(p.executionTimeout);
    const memo = p.memo && Object.keys(p.memo).length ? { ...p.memo } : NO_FIELDS;
    const searchAttributes =
      p.searchAttributes && Object.keys(p.searchAttributes).length ? { ...p.searchAttributes } : NO_FIELDS;
    const s: MutableState = (this.state = {
      namespace: interned(p.namespace),
      workflowId: p.workflowId,
      runId: p.runId,
      firstRunId: p.firstRunId ?? p.runId,
      workflowType: interned(p.workflowType),
      taskQueue: interned(p.taskQueue),
      // Decoded request strings may be ropes of many pieces; this one is kept for the run's life.
      requestId: p.requestId ? Buffer.from(p.requestId).toString() : '',
      startTime: now,
      executionTime: now + delayMs,
      parent: p.parent,
      root: p.root,
      userMetadata: p.userMetadata ?? undefined,
      priority: p.priority ?? undefined,
      runTimeoutMs: durationMs(p.runTimeout) || executionTimeoutMs,
      executionTimeoutMs,
      taskTimeoutMs: durationMs(p.taskTimeout) || DEFAULT_WORKFLOW_TASK_TIMEOUT_MS,
      status: ExecutionStatus.Running,
      closeTime: 0,
      history: new EncodedHistory(),
      memo,
      searchAttributes,
      previousStartedEventId: 0,
      wft: null,
      sticky: null,
      nextRunId: '',
      activities: undefined,
      children: undefined,
      timers: undefined,
      buffered: undefined,
      nextWftAttempt: 1,
    });
    if (p.retryPolicy) {
      s.retryPolicy = p.retryPolicy;
      s.attempt = p.attempt ?? 1;
      s.executionStartTime = p.executionStartTime ?? now;
    }
    if (p.cronSchedule) s.cronSchedule = p.cronSchedule;
    const startedAttrs: EventAttributes<'WorkflowExecutionStarted'> = {
      workflowType: { name: p.workflowType },
      taskQueue: { name: p.taskQueue, kind: TaskQueueKind.Normal },
      input: p.input ?? undefined,
      workflowExecutionTimeout: p.executionTimeout ?? undefined,
      workflowRunTimeout: s.runTimeoutMs ? duration(s.runTimeoutMs) : undefined,
      workflowTaskTimeout: duration(s.taskTimeoutMs),
      originalExecutionRunId: s.runId,
      firstExecutionRunId: s.firstRunId,
      identity: p.identity ?? '',
      attempt: p.attempt ?? 1,
      header: p.header ?? undefined,
      memo: memo !== NO_FIELDS ? { fields: memo } : undefined,
      searchAttributes: searchAttributes !== NO_FIELDS ? { indexedFields: searchAttributes } : undefined,
      retryPolicy: p.retryPolicy ?? undefined,
      workflowId: p.workflowId,
      firstWorkflowTaskBackoff: delayMs ? duration(delayMs) : undefined,
      priority: p.priority ?? undefined,
      cronSchedule: p.cronSchedule || undefined,
    };
    if (p.parent) {
      startedAttrs.parentWorkflowNamespace = p.parent.namespace;
      startedAttrs.parentWorkflowExecution = { workflowId: p.parent.workflowId, runId: p.parent.runId };
      startedAttrs.parentInitiatedEventId = p.parent.initiatedEventId;
      startedAttrs.rootWorkflowExecution = p.root;
    }
    if (p.continuedFrom) {
      const c = p.continuedFrom.attrs;
      startedAttrs.continuedExecutionRunId = p.continuedFrom.runId;
      startedAttrs.initiator = c.initiator;
      startedAttrs.continuedFailure = c.failure;
      startedAttrs.lastCompletionResult = c.lastCompletionResult;
    }
    append(this, 'WorkflowExecutionStarted', startedAttrs, { userMetadata: p.userMetadata });
    for (const e of p.initialEvents ?? []) append<EventTypeName>(this, e.type, e.attributes);
    if (s.runTimeoutMs) {
      (this.runTimers ??= []).push(host.clock.at(s.startTime + s.runTimeoutMs, () => runTimedOut(this)));
    }
    if (delayMs) {
      (this.runTimers ??= []).push(
        host.clock.at(s.executionTime, () => this.touch(() => workflowTask.scheduleWorkflowTask(this))),
      );
    } else {
      workflowTask.scheduleWorkflowTask(this);
    }
  }

  // ---------------------------------------------------------------- reading the state

  get namespace(): string {
    return this.state.namespace;
  }
  get workflowId(): string {
    return this.state.workflowId;
  }
  get runId(): string {
    return this.state.runId;
  }
  get firstRunId(): string {
    return this.state.firstRunId;
  }
  get workflowType(): string {
    return this.state.workflowType;
  }
  get taskQueue(): string {
    return this.state.taskQueue;
  }
  get requestId(): string {
    return this.state.requestId;
  }
  get startTime(): number {
    return this.state.startTime;
  }
  get executionTime(): number {
    return this.state.executionTime;
  }
  get parent(): ParentInfo | undefined {
    return this.state.parent;
  }
  get runTimeoutMs(): number {
    return this.state.runTimeoutMs;
  }
  get executionTimeoutMs(): number {
    return this.state.executionTimeoutMs;
  }
  get taskTimeoutMs(): number {
    return this.state.taskTimeoutMs;
  }
  get status(): number {
    return this.state.status;
  }
  get closeTime(): number {
    return this.state.closeTime;
  }
  get history(): EncodedHistory {
    return this.state.history;
  }
  get memo(): Record<string, Payload> {
    return this.state.memo;
  }
  get searchAttributes(): Record<string, Payload> {
    return this.state.searchAttributes;
  }
  get previousStartedEventId(): number {
    return this.state.previousStartedEventId;
  }
  get wft(): WorkflowTaskInfo | null {
    return this.state.wft;
  }
  get sticky(): StickyInfo | null {
    return this.state.sticky;
  }
  get nextRunId(): string {
    return this.state.nextRunId;
  }

  get isRunning(): boolean {
    return this.state.status === ExecutionStatus.Running;
  }

  /** Activities scheduled and not closed, by scheduled event id. */
  get activities(): ReadonlyMap<number, ActivityInfo> {
    return this.state.activities ?? noEntries();
  }

  /** Children started and not closed, by initiated event id. */
  get children(): ReadonlyMap<number, ChildInfo> {
    return this.state.children ?? noEntries();
  }

  update(id: string): WorkflowUpdate | undefined {
    return this.updateMap?.get(id);
  }

  get lastEvent(): HistoryEvent {
    return this.state.history.lastEvent()!;
  }

  // ---------------------------------------------------------------- change notification

  /** Calls `listener` after every change of the run (new event, close); returns the unsubscribe. */
  watch(listener: () => void): () => void {
    const set = (this.watchers ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (this.watchers?.size === 0) this.watchers = undefined;
    };
  }

  /** Runs a change and then tells the watchers and the host. */
  touch<T>(fn: () => T): T {
    const result = fn();
    this.notify();
    return result;
  }

  notify(): void {
    if (this.watchers) for (const w of [...this.watchers]) w();
    this.host.changed(this);
  }

  // ---------------------------------------------------------------- the server's calls

  stickyQueueGone(queue: string): void {
    workflowTask.stickyQueueGone(this, queue);
  }
  startWorkflowTask(
    ref: WorkflowTaskRef,
    identity: string,
    fromSticky: boolean,
  ): PollWorkflowTaskQueueResponse | null {
    return workflowTask.startWorkflowTask(this, ref, identity, fromSticky);
  }
  startEagerWorkflowTask(identity: string): PollWorkflowTaskQueueResponse | null {
    return workflowTask.startEagerWorkflowTask(this, identity);
  }
  failWorkflowTask(token: { s?: number }, req: RespondWorkflowTaskFailedRequest): void {
    workflowTask.failWorkflowTask(this, token, req);
  }
  completeWorkflowTask(
    token: { s?: number },
    req: RespondWorkflowTaskCompletedRequest,
  ): RespondWorkflowTaskCompletedResponse {
    return completeWorkflowTask(this, token, req);
  }
  pendingWorkflowTask(): PendingWorkflowTaskInfo | undefined {
    return workflowTask.pendingWorkflowTask(this);
  }

  startActivityTask(ref: ActivityTaskRef, identity: string): PollActivityTaskQueueResponse | null {
    return activities.startActivityTask(this, ref, identity);
  }
  heartbeatActivity(token: TaskToken, details: Payloads | null | undefined): HeartbeatResponse {
    return activities.heartbeatActivity(this, token, details);
  }
  completeActivity(token: TaskToken, result: Payloads | null | undefined, identity: string): void {
    activities.completeActivity(this, token, result, identity);
  }
  failActivity(
    token: TaskToken,
    failure: Failure | null | undefined,
    identity: string,
    lastHeartbeatDetails?: Payloads | null,
  ): void {
    activities.failActivity(this, token, failure, identity, lastHeartbeatDetails);
  }
  cancelActivity(token: TaskToken, details: Payloads | null | undefined, identity: string): void {
    activities.cancelActivity(this, token, details, identity);
  }
  activityTokenById(activityId: string, identity: string, startIfWaiting: boolean): TaskToken {
    return {
      k: 'a',
      n: this.namespace,
      w: this.workflowId,
      r: this.runId,
      ...activities.activityTokenById(this, activityId, identity, startIfWaiting),
    };
  }
  pendingActivities(): PendingActivityInfo[] {
    return activities.pendingActivities(this);
  }

  signal(
    signalName: string,
    input: Payloads | null | undefined,
    identity: string,
    header?: Header | null,
    requestId?: string,
    external?: WorkflowExecution,
  ): void {
    signal(this, signalName, input, identity, header, requestId, external);
  }
  requestCancel(
    reason: string,
    identity: string,
    external?: { initiatedEventId: number; execution: WorkflowExecution },
  ): void {
    cancellation.requestCancel(this, reason, identity, external);
  }
  terminate(reason: string, details: Payloads | null | undefined, identity: string): void {
    cancellation.terminate(this, reason, details, identity);
  }
  childClosed(initiatedEventId: number, child: Execution): void {
    childClosed(this, initiatedEventId, child);
  }
  admitUpdate(update: WorkflowUpdate): WorkflowUpdate {
    return admitUpdate(this, update);
  }

  query(q: PendingQuery): void {
    queries.query(this, q);
  }
  forgetQuery(id: string): void {
    queries.forgetQuery(this, id);
  }
  startQueryTask(ref: QueryTaskRef, fromSticky: boolean): PollWorkflowTaskQueueResponse | null {
    return queries.startQueryTask(this, ref, fromSticky);
  }
  answerQuery(id: string, req: RespondQueryTaskCompletedRequest): void {
    queries.answerQuery(this, id, req);
  }
  /** Rejects every query still waiting (server shutdown). */
  abandonQueries(err: Error): void {
    queries.abandonQueries(this, err);
  }
}

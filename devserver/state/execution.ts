import { status } from '@grpc/grpc-js';
import type { ClockTimer, VirtualClock } from '../clock/virtualClock';
import { RpcError, executionNotFound, failedPrecondition, invalidArgument } from '../grpc/errors';
import {
  EventType,
  duration,
  durationMs,
  makeEvent,
  timestamp,
  type Attrs,
  type EventTypeName,
  type HistoryEvent,
  type PendingEvent,
} from '../history/events';
import { EncodedHistory, encodeEvents, historyMessage } from '../history/encodedHistory';
import { CLOSING_COMMANDS, dropHeldBackTimerFired, partialHistoryStart } from '../history/rules';
import { nextRetry, RetryState, withDefaults, type FullRetryPolicy } from './retry';
import { ActivityTimeoutType, ExecutionStatus, TaskQueueKind, WorkflowTaskFailedCause } from './enums';
import type { ActivityTaskRef, QueryTaskRef, WorkflowTaskRef } from './taskRefs';
import { encodeTaskToken } from './taskRefs';
import { UpdateStage, type WorkflowUpdate } from './updates';
import { decodeMessage, encodeMessage } from '../grpc/proto';
import { interned } from './interned';

/** What an execution needs from the server around it (queues, clock, other executions). */
export interface ExecutionHost {
  clock: VirtualClock;
  enqueueWorkflowTask(queue: string, ref: WorkflowTaskRef | QueryTaskRef): void;
  enqueueActivityTask(queue: string, ref: ActivityTaskRef): void;
  /** Called after every state change: busy tracking, history waiters, visibility, time skipping. */
  changed(exec: Execution): void;
  closed(exec: Execution): void;
  continueAsNew(exec: Execution, attrs: Attrs, newRunId: string): void;
  runById(runId: string): Execution | undefined;
  startChild(
    parent: Execution,
    initiatedEventId: number,
    attrs: Attrs,
  ): { runId: string } | { error: number };
  signalExternal(from: Execution, attrs: Attrs): boolean;
  cancelExternal(from: Execution, attrs: Attrs): boolean;
  newRunId(): string;
}

export interface StartParams {
  namespace: string;
  workflowId: string;
  runId: string;
  firstRunId?: string;
  workflowType: string;
  taskQueue: string;
  input?: Attrs | null;
  header?: Attrs | null;
  memo?: Record<string, Attrs> | null;
  searchAttributes?: Record<string, Attrs> | null;
  executionTimeout?: Attrs | null;
  runTimeout?: Attrs | null;
  taskTimeout?: Attrs | null;
  retryPolicy?: Attrs | null;
  identity?: string;
  requestId?: string;
  startDelay?: Attrs | null;
  parent?: ParentInfo;
  continuedFrom?: { runId: string; attrs: Attrs };
  /** Events written right after WorkflowExecutionStarted (signal-with-start). */
  initialEvents?: { type: EventTypeName; attributes: Attrs }[];
}

export interface ParentInfo {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
  closePolicy: number;
}

export interface ChildInfo {
  workflowId: string;
  runId: string;
  closePolicy: number;
}

interface WorkflowTask {
  attempt: number;
  state: 'scheduled' | 'started';
  scheduledEventId: number;
  startedEventId: number;
  dispatchId: number;
  queue: string;
  sticky: boolean;
  scheduledTime: number;
  startedTime: number;
  /** Attempt > 1 after a failure: its Scheduled/Started events (encoded) exist only in the task given out. */
  transientEvents?: Uint8Array;
  queries: PendingQuery[];
  timeout?: ClockTimer;
  identity?: string;
  /** Updates whose requests this task carried. */
  updateIds?: string[];
}

export interface PendingQuery {
  id: string;
  queryType: string;
  queryArgs?: Attrs | null;
  header?: Attrs | null;
  resolve(result: Attrs | null | undefined): void;
  reject(err: Error): void;
  /** Addressed by workflow id alone: it follows the chain when its run continues as new. */
  followsChain?: boolean;
  /** Handed to a worker as a query task (a second copy of the task is then stale). */
  started?: boolean;
  /** Moves the query task off a sticky queue whose worker does not take it. */
  stickyFallback?: NodeJS.Timeout;
  /** Offers a query task again when the worker that took it does not answer. */
  redelivery?: NodeJS.Timeout;
}

/**
 * How long a query task waits on a sticky queue before the normal queue serves it too. A live
 * sticky worker always has a poll waiting; one that died without ShutdownWorker never takes it,
 * and the query would wait for its deadline.
 */
const STICKY_QUERY_FALLBACK_MS = 1000;

/**
 * How long a worker may hold a query task before a copy is offered on the normal queue. The SDK's
 * core drops query tasks it buffered for a run it then evicts (a run that just closed, or one
 * pushed out of a full cache) without answering them; the first answer of either copy counts.
 */
const QUERY_REDELIVERY_MS = 5000;

export interface ActivityState {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input?: Attrs | null;
  header?: Attrs | null;
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
  retry: FullRetryPolicy;
  scheduledTime: number;
  expiresAt: number;
  attempt: number;
  state: 'scheduled' | 'started' | 'backoff';
  attemptScheduledTime: number;
  startedTime: number;
  identity?: string;
  heartbeatDetails?: Attrs | null;
  lastHeartbeatTime?: number;
  lastFailure?: Attrs | null;
  cancelRequested: boolean;
  cancelRequestedEventId: number;
  dispatchId: number;
  attemptTimers: ClockTimer[];
  closeTimer?: ClockTimer;
}

const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;
let dispatchSeq = 0;

interface WorkflowTimer {
  timerId: string;
  startedEventId: number;
  handle: ClockTimer;
}

/** Shared stand-ins for collections most runs never fill (allocated per run on first use). */
const NO_FIELDS: Record<string, Attrs> = Object.freeze({}) as Record<string, Attrs>;
const NO_ENTRIES = new Map<unknown, unknown>();
const noEntries = <K, V>() => NO_ENTRIES as ReadonlyMap<K, V>;

/**
 * The mutable state of one workflow run: its history, the workflow task in flight, timers,
 * activities, pending queries. Implements the history rules the SDK's worker enforces (see
 * history/rules.ts and the notes): events arriving while a workflow task is started are held
 * back and written after its completion; ActivityTaskStarted is written with the activity's result.
 *
 * Kept small, as thousands of runs may wait on a timer: the history is encoded bytes, and the
 * collections that are empty most of the time (activities, children, timers, queries, updates,
 * held-back events, history waiters) are created on first use.
 */
export class Execution {
  readonly namespace: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly firstRunId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly requestId: string;
  readonly startTime: number;
  readonly executionTime: number;
  readonly parent?: ParentInfo;
  readonly runTimeoutMs: number;
  readonly executionTimeoutMs: number;
  readonly taskTimeoutMs: number;
  status: number = ExecutionStatus.Running;
  closeTime = 0;
  readonly history = new EncodedHistory();
  /** Copy-on-write: NO_FIELDS until the run has some. */
  memo: Record<string, Attrs>;
  searchAttributes: Record<string, Attrs>;
  previousStartedEventId = 0;
  wft: WorkflowTask | null = null;
  sticky: { queue: string; timeoutMs: number } | null = null;
  /** Set once a run closes by continuing as new: the run that follows. */
  nextRunId = '';
  private activityMap: Map<number, ActivityState> | undefined;
  private childMap: Map<number, ChildInfo> | undefined;
  /** Workflow updates by id (admitted, delivered, accepted; completed ones stay for dedupe). */
  private updateMap: Map<string, WorkflowUpdate> | undefined;
  private buffered: PendingEvent[] | undefined;
  private timers: WorkflowTimer[] | undefined;
  private queriesById: Map<string, PendingQuery> | undefined;
  /** Queries that arrived while a task was started: attached to the next task, or sent alone. */
  private waitingQueries: PendingQuery[] | undefined;
  private runTimers: ClockTimer[] | undefined;
  /** Long polls on the history, told of every change. */
  private watchers: Set<() => void> | undefined;
  private nextWftAttempt = 1;
  private completing = false;
  private unhandledCommand = false;

  constructor(
    private readonly host: ExecutionHost,
    p: StartParams,
  ) {
    const now = host.clock.now();
    this.namespace = interned(p.namespace);
    this.workflowId = p.workflowId;
    this.runId = p.runId;
    this.firstRunId = p.firstRunId ?? p.runId;
    this.workflowType = interned(p.workflowType);
    this.taskQueue = interned(p.taskQueue);
    // Decoded request strings may be ropes of many pieces; this one is kept for the run's life.
    this.requestId = p.requestId ? Buffer.from(p.requestId).toString() : '';
    this.parent = p.parent;
    this.memo = p.memo && Object.keys(p.memo).length ? { ...p.memo } : NO_FIELDS;
    this.searchAttributes =
      p.searchAttributes && Object.keys(p.searchAttributes).length ? { ...p.searchAttributes } : NO_FIELDS;
    this.startTime = now;
    const delayMs = durationMs(p.startDelay);
    this.executionTime = now + delayMs;
    this.executionTimeoutMs = durationMs(p.executionTimeout);
    this.runTimeoutMs = durationMs(p.runTimeout) || this.executionTimeoutMs;
    this.taskTimeoutMs = durationMs(p.taskTimeout) || DEFAULT_WORKFLOW_TASK_TIMEOUT_MS;
    const startedAttrs: Attrs = {
      workflowType: { name: p.workflowType },
      taskQueue: { name: p.taskQueue, kind: TaskQueueKind.Normal },
      input: p.input ?? undefined,
      workflowExecutionTimeout: p.executionTimeout ?? undefined,
      workflowRunTimeout: this.runTimeoutMs ? duration(this.runTimeoutMs) : undefined,
      workflowTaskTimeout: duration(this.taskTimeoutMs),
      originalExecutionRunId: this.runId,
      firstExecutionRunId: this.firstRunId,
      identity: p.identity ?? '',
      attempt: 1,
      header: p.header ?? undefined,
      memo: this.memo !== NO_FIELDS ? { fields: this.memo } : undefined,
      searchAttributes:
        this.searchAttributes !== NO_FIELDS ? { indexedFields: this.searchAttributes } : undefined,
      retryPolicy: p.retryPolicy ?? undefined,
      workflowId: p.workflowId,
      firstWorkflowTaskBackoff: delayMs ? duration(delayMs) : undefined,
    };
    if (p.parent) {
      startedAttrs.parentWorkflowNamespace = p.parent.namespace;
      startedAttrs.parentWorkflowExecution = { workflowId: p.parent.workflowId, runId: p.parent.runId };
      startedAttrs.parentInitiatedEventId = p.parent.initiatedEventId;
    }
    if (p.continuedFrom) {
      const c = p.continuedFrom.attrs;
      startedAttrs.continuedExecutionRunId = p.continuedFrom.runId;
      startedAttrs.initiator = c.initiator;
      startedAttrs.continuedFailure = c.failure;
      startedAttrs.lastCompletionResult = c.lastCompletionResult;
    }
    this.append('WorkflowExecutionStarted', startedAttrs);
    for (const e of p.initialEvents ?? []) this.append(e.type, e.attributes);
    if (this.runTimeoutMs) {
      (this.runTimers ??= []).push(host.clock.at(this.startTime + this.runTimeoutMs, () => this.timeOut()));
    }
    if (delayMs) {
      (this.runTimers ??= []).push(
        host.clock.at(this.executionTime, () => this.touch(() => this.scheduleWorkflowTask())),
      );
    } else {
      this.scheduleWorkflowTask();
    }
  }

  get isRunning(): boolean {
    return this.status === ExecutionStatus.Running;
  }

  /** Work that must finish before time may be skipped. */
  get isBusy(): boolean {
    if (!this.isRunning) return false;
    if (this.wft && this.executionTime <= this.host.clock.now()) return true;
    if (this.activityMap) for (const a of this.activityMap.values()) if (a.state !== 'backoff') return true;
    return false;
  }

  /** Activities scheduled and not closed, by scheduled event id. */
  get activities(): ReadonlyMap<number, ActivityState> {
    return this.activityMap ?? noEntries();
  }

  /** Children started and not closed, by initiated event id. */
  get children(): ReadonlyMap<number, ChildInfo> {
    return this.childMap ?? noEntries();
  }

  update(id: string): WorkflowUpdate | undefined {
    return this.updateMap?.get(id);
  }

  get lastEvent(): HistoryEvent {
    return this.history.lastEvent()!;
  }

  // ---------------------------------------------------------------- history

  /** Writes an event; returns its id. */
  private append(type: EventTypeName, attributes: Attrs): number {
    const eventId = this.history.length + 1;
    this.history.append(makeEvent(eventId, this.host.clock.now(), type, attributes));
    return eventId;
  }

  /**
   * A new event from outside the workflow (signal, timer fired, activity result...). Held back
   * while a workflow task is started; otherwise written now and a workflow task is scheduled.
   * `linkStarted` fills `startedEventId` with the id of the event written just before it.
   */
  private addEvent(type: EventTypeName, attributes: Attrs, linkStarted = false, scheduleTask = true): void {
    if (!this.isRunning) return;
    const pending: PendingEvent & { linkStarted?: boolean } = {
      type,
      attributes,
      time: this.host.clock.now(),
      linkStarted,
    };
    if (this.completing || this.wft?.state === 'started') {
      (this.buffered ??= []).push(pending);
      return;
    }
    this.writePending(pending);
    // An event that always comes with a follower (ActivityTaskStarted) leaves scheduling to it.
    if (scheduleTask) this.scheduleWorkflowTask();
  }

  private writePending(p: PendingEvent & { linkStarted?: boolean }): void {
    if (p.linkStarted) p.attributes.startedEventId = this.history.length;
    this.append(p.type, p.attributes);
  }

  /** Writes the held-back events; returns how many. */
  private flushBuffered(): number {
    const events = this.buffered;
    if (!events) return 0;
    this.buffered = undefined;
    for (const e of events) this.writePending(e);
    return events.length;
  }

  /** Calls `listener` after every change of the run (new event, close); returns the unsubscribe. */
  watch(listener: () => void): () => void {
    const set = (this.watchers ??= new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (this.watchers?.size === 0) this.watchers = undefined;
    };
  }

  private touch<T>(fn: () => T): T {
    const result = fn();
    this.notify();
    return result;
  }

  private notify(): void {
    if (this.watchers) for (const w of [...this.watchers]) w();
    this.host.changed(this);
  }

  // ---------------------------------------------------------------- workflow tasks

  private scheduleWorkflowTask(): void {
    if (!this.isRunning || this.wft) return;
    const now = this.host.clock.now();
    const attempt = this.nextWftAttempt;
    const sticky = !!this.sticky;
    const queue = this.sticky?.queue ?? this.taskQueue;
    this.wft = {
      attempt,
      state: 'scheduled',
      scheduledEventId: 0,
      startedEventId: 0,
      dispatchId: 0,
      queue,
      sticky,
      scheduledTime: now,
      startedTime: 0,
      queries: this.waitingQueries ?? [],
    };
    this.waitingQueries = undefined;
    if (attempt === 1) {
      this.wft.scheduledEventId = this.append('WorkflowTaskScheduled', {
        taskQueue: {
          name: queue,
          kind: sticky ? TaskQueueKind.Sticky : TaskQueueKind.Normal,
          normalName: sticky ? this.taskQueue : undefined,
        },
        startToCloseTimeout: duration(this.taskTimeoutMs),
        attempt,
      });
    }
    this.dispatchWorkflowTask();
  }

  private dispatchWorkflowTask(): void {
    const wft = this.wft!;
    wft.dispatchId = ++dispatchSeq;
    const dispatchId = wft.dispatchId;
    this.host.enqueueWorkflowTask(wft.queue, { kind: 'workflow', exec: this, dispatchId });
    if (wft.sticky && this.sticky) {
      // A sticky worker that does not pick the task up in time is presumed gone: use the normal queue.
      wft.timeout = this.host.clock.after(this.sticky.timeoutMs, () =>
        this.touch(() => {
          if (this.wft !== wft || wft.state !== 'scheduled' || wft.dispatchId !== dispatchId) return;
          this.sticky = null;
          wft.sticky = false;
          wft.queue = this.taskQueue;
          this.dispatchWorkflowTask();
        }),
      );
    }
  }

  /** Moves a task waiting on a sticky queue that is going away (ShutdownWorker) to the normal queue. */
  stickyQueueGone(queue: string): void {
    if (this.sticky?.queue !== queue) return;
    this.touch(() => {
      this.sticky = null;
      const wft = this.wft;
      if (wft && wft.state === 'scheduled' && wft.sticky) {
        wft.timeout?.cancel();
        wft.sticky = false;
        wft.queue = this.taskQueue;
        this.dispatchWorkflowTask();
      }
    });
  }

  /** Hands the task out to a poller; null if the task went stale while queued. */
  startWorkflowTask(ref: WorkflowTaskRef, identity: string, fromSticky: boolean): Attrs | null {
    const wft = this.wft;
    if (!this.isRunning || !wft || wft.state !== 'scheduled' || wft.dispatchId !== ref.dispatchId)
      return null;
    return this.touch(() => {
      wft.timeout?.cancel();
      const now = this.host.clock.now();
      wft.state = 'started';
      wft.startedTime = now;
      wft.identity = interned(identity);
      if (wft.attempt === 1) {
        wft.startedEventId = this.append('WorkflowTaskStarted', {
          scheduledEventId: wft.scheduledEventId,
          identity,
          requestId: `${ref.dispatchId}`,
          historySizeBytes: 0,
        });
      } else {
        const scheduledId = this.history.length + 1;
        wft.scheduledEventId = scheduledId;
        wft.startedEventId = scheduledId + 1;
        wft.transientEvents = encodeEvents([
          makeEvent(scheduledId, wft.scheduledTime, 'WorkflowTaskScheduled', {
            taskQueue: { name: this.taskQueue, kind: TaskQueueKind.Normal },
            startToCloseTimeout: duration(this.taskTimeoutMs),
            attempt: wft.attempt,
          }),
          makeEvent(scheduledId + 1, now, 'WorkflowTaskStarted', {
            scheduledEventId: scheduledId,
            identity,
            requestId: `${ref.dispatchId}`,
          }),
        ]);
      }
      const startedEventId = wft.startedEventId;
      wft.timeout = this.host.clock.after(this.taskTimeoutMs, () =>
        this.workflowTaskTimedOut(wft, startedEventId),
      );
      const base = this.history.encoded(fromSticky ? partialHistoryStart(this.previousStartedEventId) : 1);
      const events = wft.transientEvents ? Buffer.concat([base, wft.transientEvents]) : base;
      const queries: Record<string, Attrs> = {};
      for (const q of wft.queries) {
        queries[q.id] = {
          queryType: q.queryType,
          queryArgs: q.queryArgs ?? undefined,
          header: q.header ?? undefined,
        };
      }
      const messages = [...(this.updateMap?.values() ?? [])]
        .filter((u) => u.stage === UpdateStage.Admitted)
        .map((u) => ({
          id: `${u.id}/request`,
          protocolInstanceId: u.id,
          eventId: startedEventId - 1,
          body: {
            // google.protobuf.Any keeps its snake_case field name in the SDK's root.
            type_url: 'type.googleapis.com/temporal.api.update.v1.Request',
            value: encodeMessage('temporal.api.update.v1.Request', u.request),
          },
        }));
      wft.updateIds = messages.map((m) => m.protocolInstanceId);
      return {
        messages,
        taskToken: encodeTaskToken({
          k: 'w',
          n: this.namespace,
          w: this.workflowId,
          r: this.runId,
          s: startedEventId,
          d: ref.dispatchId,
        }),
        workflowExecution: { workflowId: this.workflowId, runId: this.runId },
        workflowType: { name: this.workflowType },
        previousStartedEventId: this.previousStartedEventId,
        startedEventId,
        attempt: wft.attempt,
        history: historyMessage(events),
        workflowExecutionTaskQueue: { name: this.taskQueue, kind: TaskQueueKind.Normal },
        scheduledTime: timestamp(wft.scheduledTime),
        startedTime: timestamp(now),
        queries,
      };
    });
  }

  private currentStartedTask(token: { s?: number; d?: number }): WorkflowTask {
    const wft = this.wft;
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    if (!wft || wft.state !== 'started' || wft.startedEventId !== token.s) {
      throw new RpcError(status.NOT_FOUND, 'Workflow task not found.');
    }
    return wft;
  }

  private workflowTaskTimedOut(wft: WorkflowTask, startedEventId: number): void {
    if (this.wft !== wft || wft.state !== 'started' || wft.startedEventId !== startedEventId) return;
    this.touch(() => {
      if (wft.attempt === 1) {
        this.append('WorkflowTaskTimedOut', {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          timeoutType: ActivityTimeoutType.StartToClose,
        });
      }
      this.retryWorkflowTask(wft);
    });
  }

  /** After a failure or timeout: the next attempt is transient unless new events must be written. */
  private retryWorkflowTask(wft: WorkflowTask): void {
    this.wft = null;
    this.sticky = null;
    this.requeueQueries(wft.queries);
    if (this.buffered?.length) {
      if (wft.transientEvents) {
        this.keepTransientEvents(wft);
        this.append('WorkflowTaskFailed', {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          cause: WorkflowTaskFailedCause.Unspecified,
        });
      }
      this.flushBuffered();
      this.nextWftAttempt = 1;
    } else {
      this.nextWftAttempt = wft.attempt + 1;
    }
    this.scheduleWorkflowTask();
  }

  /** A transient task's Scheduled and Started events become history (its outcome follows them). */
  private keepTransientEvents(wft: WorkflowTask): void {
    if (!wft.transientEvents) return;
    this.history.appendEncoded(wft.transientEvents, 2, EventType.WorkflowTaskStarted);
    wft.transientEvents = undefined;
  }

  /** Queries a task carried and did not answer go back to wait for the next one. */
  private requeueQueries(queries: PendingQuery[]): void {
    if (queries.length) this.waitingQueries = [...queries, ...(this.waitingQueries ?? [])];
  }

  failWorkflowTask(token: { s?: number }, req: Attrs): void {
    const wft = this.currentStartedTask(token);
    this.touch(() => {
      wft.timeout?.cancel();
      if (wft.attempt === 1) {
        this.append('WorkflowTaskFailed', {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          cause: req.cause ?? WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure,
          failure: req.failure ?? undefined,
          identity: req.identity ?? '',
        });
      }
      this.retryWorkflowTask(wft);
    });
  }

  completeWorkflowTask(token: { s?: number }, req: Attrs): Attrs {
    const wft = this.currentStartedTask(token);
    const commands: Attrs[] = req.commands ?? [];
    commands.forEach((c, i) => validateCommand(c, i));
    const messages = decodeProtocolMessages(req.messages ?? []);
    commands.forEach((c, i) => {
      if (c.commandType === 14 && !messages.has(c.protocolMessageCommandAttributes?.messageId)) {
        throw invalidArgument(
          `commands[${i}].protocolMessageCommandAttributes.messageId names no message of the completion.`,
        );
      }
    });
    const delivered = new Set(wft.updateIds ?? []);
    this.touch(() => {
      wft.timeout?.cancel();
      this.answerQueries(wft.queries, req.queryResults ?? {});
      this.keepTransientEvents(wft);
      // Rejections need no command: the update simply ends.
      for (const m of messages.values()) if (m.kind === 'rejection') this.rejectUpdate(m.body);
      const newUpdates = this.hasUndeliveredUpdates(delivered);
      if (
        (this.buffered?.length || newUpdates) &&
        commands.some((c) => CLOSING_COMMANDS.has(c.commandType))
      ) {
        // The workflow decided to close without seeing new events: make it try again with them.
        this.append('WorkflowTaskFailed', {
          scheduledEventId: wft.scheduledEventId,
          startedEventId: wft.startedEventId,
          cause: WorkflowTaskFailedCause.UnhandledCommand,
          identity: req.identity ?? '',
        });
        this.wft = null;
        this.sticky = null;
        this.nextWftAttempt = 1;
        this.flushBuffered();
        this.scheduleWorkflowTask();
        this.unhandledCommand = true;
        return;
      }
      const completedId = this.append('WorkflowTaskCompleted', {
        scheduledEventId: wft.scheduledEventId,
        startedEventId: wft.startedEventId,
        identity: req.identity ?? '',
        sdkMetadata: req.sdkMetadata ?? undefined,
        meteringMetadata: req.meteringMetadata ?? undefined,
      });
      this.previousStartedEventId = wft.startedEventId;
      this.nextWftAttempt = 1;
      this.completing = true;
      const deferred: (() => void)[] = [];
      try {
        for (const c of commands) {
          if (!this.isRunning) break;
          if (c.commandType === 14)
            this.applyProtocolMessage(messages.get(c.protocolMessageCommandAttributes.messageId)!);
          else this.applyCommand(c, completedId, deferred);
        }
        this.wft = null;
        for (const d of deferred) d();
      } finally {
        this.completing = false;
        this.wft = null;
      }
      if (!this.isRunning) return;
      const sa = req.stickyAttributes;
      const stickyQueue: string | undefined = sa?.workerTaskQueue?.name;
      const stickyTimeoutMs = durationMs(sa?.scheduleToStartTimeout);
      if (!stickyQueue || stickyTimeoutMs <= 0) this.sticky = null;
      else if (this.sticky?.queue !== stickyQueue || this.sticky.timeoutMs !== stickyTimeoutMs)
        this.sticky = { queue: interned(stickyQueue), timeoutMs: stickyTimeoutMs };
      if (this.flushBuffered() > 0 || req.forceCreateNewWorkflowTask || this.hasUndeliveredUpdates())
        this.scheduleWorkflowTask();
      this.dispatchWaitingQueries();
    });
    if (this.unhandledCommand) {
      this.unhandledCommand = false;
      // The SDK's core recognises this exact message and evicts the run.
      throw new RpcError(status.INVALID_ARGUMENT, 'UnhandledCommand');
    }
    return {};
  }

  /** Whether an admitted update still waits to be delivered in a task (other than `delivered`). */
  private hasUndeliveredUpdates(delivered?: Set<string>): boolean {
    if (!this.updateMap) return false;
    for (const u of this.updateMap.values())
      if (u.stage === UpdateStage.Admitted && !delivered?.has(u.id)) return true;
    return false;
  }

  private applyCommand(c: Attrs, completedId: number, deferred: (() => void)[]): void {
    switch (c.commandType) {
      case 1:
        return this.scheduleActivity(c.scheduleActivityTaskCommandAttributes, completedId);
      case 2:
        return this.requestCancelActivity(c.requestCancelActivityTaskCommandAttributes, completedId);
      case 3: {
        const a = c.startTimerCommandAttributes;
        return this.startTimer(a.timerId, a.startToFireTimeout, completedId);
      }
      case 6: {
        const timerId: string = c.cancelTimerCommandAttributes.timerId;
        const timer = this.removeTimer(timerId);
        let startedEventId = timer?.startedEventId ?? 0;
        if (timer) {
          timer.handle.cancel();
        } else if (this.buffered) {
          const fired = this.buffered.find(
            (e) => e.type === 'TimerFired' && e.attributes.timerId === timerId,
          );
          startedEventId = fired?.attributes.startedEventId ?? 0;
          dropHeldBackTimerFired(this.buffered, timerId);
        }
        this.append('TimerCanceled', { timerId, startedEventId, workflowTaskCompletedEventId: completedId });
        return;
      }
      case 4:
        this.append('WorkflowExecutionCompleted', {
          result: c.completeWorkflowExecutionCommandAttributes?.result ?? undefined,
          workflowTaskCompletedEventId: completedId,
        });
        return this.close(ExecutionStatus.Completed);
      case 5:
        this.append('WorkflowExecutionFailed', {
          failure: c.failWorkflowExecutionCommandAttributes?.failure ?? undefined,
          retryState: RetryState.RetryPolicyNotSet,
          workflowTaskCompletedEventId: completedId,
        });
        return this.close(ExecutionStatus.Failed);
      case 7:
        this.append('WorkflowExecutionCanceled', {
          details: c.cancelWorkflowExecutionCommandAttributes?.details ?? undefined,
          workflowTaskCompletedEventId: completedId,
        });
        return this.close(ExecutionStatus.Canceled);
      case 10: {
        const a = c.continueAsNewWorkflowExecutionCommandAttributes;
        const newRunId = this.host.newRunId();
        const attrs: Attrs = {
          ...a,
          newExecutionRunId: newRunId,
          workflowType: a.workflowType?.name ? a.workflowType : { name: this.workflowType },
          taskQueue: a.taskQueue?.name ? a.taskQueue : { name: this.taskQueue, kind: TaskQueueKind.Normal },
          workflowRunTimeout:
            a.workflowRunTimeout ?? (this.runTimeoutMs ? duration(this.runTimeoutMs) : undefined),
          workflowTaskTimeout: a.workflowTaskTimeout ?? duration(this.taskTimeoutMs),
          workflowTaskCompletedEventId: completedId,
        };
        delete attrs.retryPolicy;
        delete attrs.cronSchedule;
        this.append('WorkflowExecutionContinuedAsNew', attrs);
        this.nextRunId = newRunId;
        this.close(ExecutionStatus.ContinuedAsNew);
        deferred.push(() => this.host.continueAsNew(this, attrs, newRunId));
        return;
      }
      case 9: {
        const a = c.recordMarkerCommandAttributes;
        this.append('MarkerRecorded', { ...a, workflowTaskCompletedEventId: completedId });
        return;
      }
      case 11: {
        const a = c.startChildWorkflowExecutionCommandAttributes;
        const attrs = { ...a, namespace: this.namespace, workflowTaskCompletedEventId: completedId };
        const initiatedEventId = this.append('StartChildWorkflowExecutionInitiated', attrs);
        deferred.push(() => {
          const res = this.host.startChild(this, initiatedEventId, attrs);
          if ('runId' in res) {
            (this.childMap ??= new Map()).set(initiatedEventId, {
              workflowId: a.workflowId,
              runId: res.runId,
              closePolicy: a.parentClosePolicy || 1,
            });
            this.addEvent('ChildWorkflowExecutionStarted', {
              namespace: this.namespace,
              initiatedEventId,
              workflowExecution: { workflowId: a.workflowId, runId: res.runId },
              workflowType: a.workflowType,
              header: a.header ?? undefined,
            });
          } else {
            this.addEvent('StartChildWorkflowExecutionFailed', {
              namespace: this.namespace,
              workflowId: a.workflowId,
              workflowType: a.workflowType,
              cause: res.error,
              initiatedEventId,
              workflowTaskCompletedEventId: completedId,
            });
          }
        });
        return;
      }
      case 12: {
        const a = c.signalExternalWorkflowExecutionCommandAttributes;
        const initiatedEventId = this.append('SignalExternalWorkflowExecutionInitiated', {
          namespace: this.namespace,
          workflowExecution: a.execution,
          signalName: a.signalName,
          input: a.input ?? undefined,
          control: a.control ?? '',
          childWorkflowOnly: !!a.childWorkflowOnly,
          header: a.header ?? undefined,
          workflowTaskCompletedEventId: completedId,
        });
        deferred.push(() => {
          const ok = this.host.signalExternal(this, a);
          if (ok) {
            this.addEvent('ExternalWorkflowExecutionSignaled', {
              initiatedEventId,
              namespace: this.namespace,
              workflowExecution: a.execution,
              control: a.control ?? '',
            });
          } else {
            this.addEvent('SignalExternalWorkflowExecutionFailed', {
              cause: 1,
              initiatedEventId,
              namespace: this.namespace,
              workflowExecution: a.execution,
              control: a.control ?? '',
              workflowTaskCompletedEventId: completedId,
            });
          }
        });
        return;
      }
      case 8: {
        const a = c.requestCancelExternalWorkflowExecutionCommandAttributes;
        const execution = { workflowId: a.workflowId, runId: a.runId ?? '' };
        const initiatedEventId = this.append('RequestCancelExternalWorkflowExecutionInitiated', {
          namespace: this.namespace,
          workflowExecution: execution,
          childWorkflowOnly: !!a.childWorkflowOnly,
          reason: a.reason ?? '',
          control: a.control ?? '',
          workflowTaskCompletedEventId: completedId,
        });
        deferred.push(() => {
          const ok = this.host.cancelExternal(this, a);
          if (ok) {
            this.addEvent('ExternalWorkflowExecutionCancelRequested', {
              initiatedEventId,
              namespace: this.namespace,
              workflowExecution: execution,
            });
          } else {
            this.addEvent('RequestCancelExternalWorkflowExecutionFailed', {
              cause: 1,
              initiatedEventId,
              namespace: this.namespace,
              workflowExecution: execution,
              control: a.control ?? '',
              workflowTaskCompletedEventId: completedId,
            });
          }
        });
        return;
      }
      case 13: {
        const fields: Record<string, Attrs> =
          c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes?.indexedFields ?? {};
        this.upsertSearchAttributes(fields);
        this.append('UpsertWorkflowSearchAttributes', {
          searchAttributes: { indexedFields: fields },
          workflowTaskCompletedEventId: completedId,
        });
        return;
      }
      case 16: {
        const fields: Record<string, Attrs> =
          c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo?.fields ?? {};
        this.memo = upserted(this.memo, fields);
        this.append('WorkflowPropertiesModified', {
          upsertedMemo: { fields },
          workflowTaskCompletedEventId: completedId,
        });
        return;
      }
      default:
        // Validated before any change; unreachable.
        throw invalidArgument(`unsupported command type ${c.commandType}`);
    }
  }

  upsertSearchAttributes(fields: Record<string, Attrs>): void {
    this.searchAttributes = upserted(this.searchAttributes, fields);
  }

  // ---------------------------------------------------------------- timers

  private startTimer(timerId: string, startToFireTimeout: Attrs, completedId: number): void {
    const startedEventId = this.append('TimerStarted', {
      timerId,
      startToFireTimeout,
      workflowTaskCompletedEventId: completedId,
    });
    const timer: WorkflowTimer = {
      timerId,
      startedEventId,
      handle: this.host.clock.after(durationMs(startToFireTimeout), () =>
        this.touch(() => {
          if (this.removeTimer(timerId) !== timer) return;
          this.addEvent('TimerFired', { timerId, startedEventId });
        }),
      ),
    };
    (this.timers ??= []).push(timer);
  }

  /** Takes a running timer out of the run's list (a handful at most: a list beats a map). */
  private removeTimer(timerId: string): WorkflowTimer | undefined {
    const i = this.timers?.findIndex((t) => t.timerId === timerId) ?? -1;
    if (i < 0) return undefined;
    const [timer] = this.timers!.splice(i, 1);
    if (this.timers!.length === 0) this.timers = undefined;
    return timer;
  }

  // ---------------------------------------------------------------- closing

  private close(newStatus: number): void {
    this.status = newStatus;
    this.closeTime = this.host.clock.now();
    for (const t of this.runTimers ?? []) t.cancel();
    this.runTimers = undefined;
    for (const t of this.timers ?? []) t.handle.cancel();
    this.timers = undefined;
    for (const a of this.activities.values()) this.clearActivityTimers(a, true);
    this.activityMap = undefined;
    if (this.wft) {
      this.wft.timeout?.cancel();
      this.requeueQueries(this.wft.queries);
      this.wft.queries = [];
      if (!this.completing) this.wft = null;
    }
    this.buffered = undefined;
    this.sticky = null;
    for (const u of this.updateMap?.values() ?? []) {
      if (u.stage !== UpdateStage.Completed) {
        u.fail(executionNotFound('Workflow execution completed before the update completed.'));
      }
    }
    this.host.closed(this);
    // Queries still get answers after the close (from a worker replaying the full history).
    queueMicrotask(() => this.dispatchWaitingQueries());
  }

  private closeWith(type: EventTypeName, attributes: Attrs, newStatus: number): void {
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    this.touch(() => {
      this.append(type, attributes);
      this.close(newStatus);
    });
  }

  terminate(reason: string, details: Attrs | null | undefined, identity: string): void {
    this.closeWith(
      'WorkflowExecutionTerminated',
      { reason, details: details ?? undefined, identity },
      ExecutionStatus.Terminated,
    );
  }

  private timeOut(): void {
    if (!this.isRunning) return;
    this.closeWith('WorkflowExecutionTimedOut', { retryState: RetryState.Timeout }, ExecutionStatus.TimedOut);
  }

  // ---------------------------------------------------------------- external events

  signal(
    signalName: string,
    input: Attrs | null | undefined,
    identity: string,
    header?: Attrs | null,
    requestId?: string,
    external?: Attrs,
  ): void {
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    this.touch(() =>
      this.addEvent('WorkflowExecutionSignaled', {
        signalName,
        input: input ?? undefined,
        identity,
        header: header ?? undefined,
        requestId: requestId ?? '',
        externalWorkflowExecution: external,
      }),
    );
  }

  requestCancel(
    reason: string,
    identity: string,
    external?: { initiatedEventId: number; execution: Attrs },
  ): void {
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    this.touch(() =>
      this.addEvent('WorkflowExecutionCancelRequested', {
        cause: reason,
        identity,
        externalInitiatedEventId: external?.initiatedEventId,
        externalWorkflowExecution: external?.execution,
      }),
    );
  }

  /** A child of this run closed (its final run): tell the workflow. */
  childClosed(initiatedEventId: number, child: Execution): void {
    const info = this.childMap?.get(initiatedEventId);
    if (!info || !this.isRunning) return;
    this.childMap!.delete(initiatedEventId);
    const close = child.lastEvent;
    const common = {
      namespace: child.namespace,
      workflowExecution: { workflowId: child.workflowId, runId: child.runId },
      workflowType: { name: child.workflowType },
      initiatedEventId,
      startedEventId: 0,
    };
    const a = (name: string) => (close[name] ?? {}) as Attrs;
    this.touch(() => {
      switch (child.status) {
        case ExecutionStatus.Completed:
          return this.addEvent('ChildWorkflowExecutionCompleted', {
            ...common,
            result: a('workflowExecutionCompletedEventAttributes').result,
          });
        case ExecutionStatus.Failed:
          return this.addEvent('ChildWorkflowExecutionFailed', {
            ...common,
            failure: a('workflowExecutionFailedEventAttributes').failure,
            retryState: a('workflowExecutionFailedEventAttributes').retryState,
          });
        case ExecutionStatus.Canceled:
          return this.addEvent('ChildWorkflowExecutionCanceled', {
            ...common,
            details: a('workflowExecutionCanceledEventAttributes').details,
          });
        case ExecutionStatus.TimedOut:
          return this.addEvent('ChildWorkflowExecutionTimedOut', {
            ...common,
            retryState: RetryState.Timeout,
          });
        default:
          return this.addEvent('ChildWorkflowExecutionTerminated', common);
      }
    });
  }

  // ---------------------------------------------------------------- activities

  private scheduleActivity(a: Attrs, completedId: number): void {
    const s2c = durationMs(a.scheduleToCloseTimeout) || this.runTimeoutMs;
    const s2s = durationMs(a.scheduleToStartTimeout) || s2c;
    const st2c = durationMs(a.startToCloseTimeout) || s2c;
    const retry = withDefaults(a.retryPolicy);
    const now = this.host.clock.now();
    const taskQueue: string = a.taskQueue?.name || this.taskQueue;
    const scheduledEventId = this.append('ActivityTaskScheduled', {
      activityId: a.activityId,
      activityType: a.activityType,
      taskQueue: { name: taskQueue, kind: TaskQueueKind.Normal },
      header: a.header ?? undefined,
      input: a.input ?? undefined,
      scheduleToCloseTimeout: duration(s2c),
      scheduleToStartTimeout: duration(s2s),
      startToCloseTimeout: duration(st2c),
      heartbeatTimeout: a.heartbeatTimeout ?? undefined,
      workflowTaskCompletedEventId: completedId,
      retryPolicy: retry,
    });
    const act: ActivityState = {
      scheduledEventId,
      activityId: a.activityId,
      activityType: a.activityType.name,
      taskQueue,
      input: a.input,
      header: a.header,
      scheduleToCloseMs: s2c,
      scheduleToStartMs: s2s,
      startToCloseMs: st2c,
      heartbeatMs: durationMs(a.heartbeatTimeout),
      retry,
      scheduledTime: now,
      expiresAt: s2c ? now + s2c : 0,
      attempt: 1,
      state: 'scheduled',
      attemptScheduledTime: now,
      startedTime: 0,
      cancelRequested: false,
      cancelRequestedEventId: 0,
      dispatchId: 0,
      attemptTimers: [],
    };
    (this.activityMap ??= new Map()).set(scheduledEventId, act);
    if (act.expiresAt) {
      act.closeTimer = this.host.clock.at(act.expiresAt, () =>
        this.touch(() => this.activityTimedOut(act, ActivityTimeoutType.ScheduleToClose, act.dispatchId)),
      );
    }
    this.dispatchActivity(act);
  }

  private dispatchActivity(act: ActivityState): void {
    act.state = 'scheduled';
    act.dispatchId = ++dispatchSeq;
    act.attemptScheduledTime = this.host.clock.now();
    const dispatchId = act.dispatchId;
    if (act.scheduleToStartMs && act.scheduleToStartMs < act.scheduleToCloseMs) {
      act.attemptTimers.push(
        this.host.clock.after(act.scheduleToStartMs, () =>
          this.touch(() => this.activityTimedOut(act, ActivityTimeoutType.ScheduleToStart, dispatchId)),
        ),
      );
    }
    this.host.enqueueActivityTask(act.taskQueue, {
      kind: 'activity',
      exec: this,
      scheduledEventId: act.scheduledEventId,
      dispatchId,
    });
  }

  private clearActivityTimers(act: ActivityState, all: boolean): void {
    for (const t of act.attemptTimers) t.cancel();
    act.attemptTimers = [];
    if (all) act.closeTimer?.cancel();
  }

  startActivityTask(ref: ActivityTaskRef, identity: string): Attrs | null {
    const act = this.activityMap?.get(ref.scheduledEventId);
    if (!this.isRunning || !act || act.state !== 'scheduled' || act.dispatchId !== ref.dispatchId)
      return null;
    return this.touch(() => {
      this.clearActivityTimers(act, false);
      const now = this.host.clock.now();
      act.state = 'started';
      act.startedTime = now;
      act.identity = identity;
      const dispatchId = act.dispatchId;
      if (act.startToCloseMs) {
        act.attemptTimers.push(
          this.host.clock.after(act.startToCloseMs, () =>
            this.touch(() => this.activityTimedOut(act, ActivityTimeoutType.StartToClose, dispatchId)),
          ),
        );
      }
      this.armHeartbeatTimer(act);
      return {
        taskToken: encodeTaskToken({
          k: 'a',
          n: this.namespace,
          w: this.workflowId,
          r: this.runId,
          s: act.scheduledEventId,
          a: act.attempt,
          d: dispatchId,
        }),
        workflowNamespace: this.namespace,
        workflowType: { name: this.workflowType },
        workflowExecution: { workflowId: this.workflowId, runId: this.runId },
        activityType: { name: act.activityType },
        activityId: act.activityId,
        header: act.header ?? undefined,
        input: act.input ?? undefined,
        heartbeatDetails: act.heartbeatDetails ?? undefined,
        scheduledTime: timestamp(act.scheduledTime),
        currentAttemptScheduledTime: timestamp(act.attemptScheduledTime),
        startedTime: timestamp(now),
        attempt: act.attempt,
        scheduleToCloseTimeout: duration(act.scheduleToCloseMs),
        startToCloseTimeout: duration(act.startToCloseMs),
        heartbeatTimeout: duration(act.heartbeatMs),
        retryPolicy: act.retry,
      };
    });
  }

  private armHeartbeatTimer(act: ActivityState): void {
    if (!act.heartbeatMs) return;
    const dispatchId = act.dispatchId;
    const timer = this.host.clock.after(act.heartbeatMs, () =>
      this.touch(() => this.activityTimedOut(act, ActivityTimeoutType.Heartbeat, dispatchId)),
    );
    (act as ActivityState & { heartbeatTimer?: ClockTimer }).heartbeatTimer?.cancel();
    (act as ActivityState & { heartbeatTimer?: ClockTimer }).heartbeatTimer = timer;
    act.attemptTimers.push(timer);
  }

  /** The started attempt a task token names, or NOT_FOUND (completed, timed out, retried...). */
  private startedActivity(token: { s?: number; a?: number; d?: number }): ActivityState {
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    const act = this.activityMap?.get(token.s ?? -1);
    if (!act || act.state !== 'started' || act.dispatchId !== token.d) {
      throw executionNotFound('Activity task not found.');
    }
    return act;
  }

  heartbeatActivity(token: Attrs, details: Attrs | null | undefined): { cancelRequested: boolean } {
    const act = this.startedActivity(token);
    return this.touch(() => {
      if (details) act.heartbeatDetails = details;
      act.lastHeartbeatTime = this.host.clock.now();
      act.attemptTimers = act.attemptTimers.filter(
        (t) => t !== (act as ActivityState & { heartbeatTimer?: ClockTimer }).heartbeatTimer,
      );
      this.armHeartbeatTimer(act);
      return { cancelRequested: act.cancelRequested };
    });
  }

  /** ActivityTaskStarted, written only with the attempt's outcome (which must follow at once). */
  private activityStartedEvent(act: ActivityState): void {
    this.addEvent(
      'ActivityTaskStarted',
      {
        scheduledEventId: act.scheduledEventId,
        identity: act.identity ?? '',
        requestId: `${act.dispatchId}`,
        attempt: act.attempt,
        lastFailure: act.lastFailure ?? undefined,
      },
      false,
      false,
    );
  }

  private finishActivity(act: ActivityState): void {
    this.clearActivityTimers(act, true);
    this.activityMap?.delete(act.scheduledEventId);
    if (this.activityMap?.size === 0) this.activityMap = undefined;
  }

  completeActivity(token: Attrs, result: Attrs | null | undefined, identity: string): void {
    const act = this.startedActivity(token);
    this.touch(() => {
      this.finishActivity(act);
      this.activityStartedEvent(act);
      this.addEvent(
        'ActivityTaskCompleted',
        { result: result ?? undefined, scheduledEventId: act.scheduledEventId, identity },
        true,
      );
    });
  }

  failActivity(
    token: Attrs,
    failure: Attrs | null | undefined,
    identity: string,
    lastHeartbeatDetails?: Attrs | null,
  ): void {
    const act = this.startedActivity(token);
    this.touch(() => {
      if (lastHeartbeatDetails) act.heartbeatDetails = lastHeartbeatDetails;
      const info = failure?.applicationFailureInfo;
      this.retryOrClose(
        act,
        failure,
        { type: info?.type, nonRetryable: !!info?.nonRetryable },
        'ActivityTaskFailed',
        { failure: failure ?? undefined, identity },
      );
    });
  }

  /**
   * A started attempt failed or timed out: the next attempt after the policy's backoff, or, when
   * the policy says no (or the workflow asked to cancel), the activity closes with `closeType`.
   */
  private retryOrClose(
    act: ActivityState,
    failure: Attrs | null | undefined,
    kind: { type?: string; nonRetryable?: boolean; timeout?: boolean },
    closeType: 'ActivityTaskFailed' | 'ActivityTaskTimedOut',
    closeAttrs: Attrs,
  ): void {
    const decision = nextRetry(act.retry, act.attempt, kind, this.host.clock.now(), act.expiresAt);
    if (decision.retry && !act.cancelRequested) {
      this.retryActivity(act, failure, decision.delayMs);
      return;
    }
    this.finishActivity(act);
    this.activityStartedEvent(act);
    this.addEvent(
      closeType,
      {
        ...closeAttrs,
        scheduledEventId: act.scheduledEventId,
        retryState: act.cancelRequested ? RetryState.CancelRequested : decision.state,
      },
      true,
    );
  }

  private retryActivity(act: ActivityState, failure: Attrs | null | undefined, delayMs: number): void {
    this.clearActivityTimers(act, false);
    act.lastFailure = failure;
    act.attempt++;
    act.state = 'backoff';
    act.dispatchId = ++dispatchSeq;
    act.attemptTimers.push(
      this.host.clock.after(delayMs, () => this.touch(() => this.dispatchActivity(act))),
    );
  }

  cancelActivity(token: Attrs, details: Attrs | null | undefined, identity: string): void {
    const act = this.startedActivity(token);
    this.touch(() => {
      this.finishActivity(act);
      this.activityStartedEvent(act);
      this.addEvent(
        'ActivityTaskCanceled',
        {
          details: details ?? undefined,
          latestCancelRequestedEventId: act.cancelRequestedEventId,
          scheduledEventId: act.scheduledEventId,
          identity,
        },
        true,
      );
    });
  }

  private activityTimedOut(act: ActivityState, timeoutType: number, dispatchId: number): void {
    if (this.activityMap?.get(act.scheduledEventId) !== act) return;
    if (timeoutType !== ActivityTimeoutType.ScheduleToClose && act.dispatchId !== dispatchId) return;
    const wasStarted = act.state === 'started';
    const failure: Attrs = {
      message: `activity ${TIMEOUT_NAMES[timeoutType]} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails ?? undefined },
      cause: timeoutType === ActivityTimeoutType.ScheduleToClose ? (act.lastFailure ?? undefined) : undefined,
    };
    if (timeoutType === ActivityTimeoutType.StartToClose || timeoutType === ActivityTimeoutType.Heartbeat) {
      this.retryOrClose(act, failure, { timeout: true }, 'ActivityTaskTimedOut', { failure });
      return;
    }
    this.finishActivity(act);
    if (wasStarted) this.activityStartedEvent(act);
    this.addEvent(
      'ActivityTaskTimedOut',
      { failure, scheduledEventId: act.scheduledEventId, startedEventId: 0, retryState: RetryState.Timeout },
      wasStarted,
    );
  }

  private requestCancelActivity(a: Attrs, completedId: number): void {
    const act = this.activityMap?.get(a.scheduledEventId);
    const requestedId = this.append('ActivityTaskCancelRequested', {
      scheduledEventId: a.scheduledEventId,
      workflowTaskCompletedEventId: completedId,
    });
    if (!act) return;
    act.cancelRequested = true;
    act.cancelRequestedEventId = requestedId;
    if (act.state !== 'started') {
      // Not running anywhere: cancelled at once.
      this.finishActivity(act);
      this.addEvent('ActivityTaskCanceled', {
        latestCancelRequestedEventId: requestedId,
        scheduledEventId: act.scheduledEventId,
        startedEventId: 0,
        identity: '',
      });
    }
  }

  // ---------------------------------------------------------------- updates

  /** Admits an update (deduplicated by id) and makes sure a workflow task will deliver it. */
  admitUpdate(update: WorkflowUpdate): WorkflowUpdate {
    const existing = this.updateMap?.get(update.id);
    if (existing) return existing;
    if (!this.isRunning) throw executionNotFound('Workflow execution already completed.');
    this.touch(() => {
      (this.updateMap ??= new Map()).set(update.id, update);
      this.scheduleWorkflowTask();
    });
    return update;
  }

  private applyProtocolMessage(m: ProtocolMessage): void {
    const update = this.updateMap?.get(m.protocolInstanceId);
    if (m.kind === 'acceptance') {
      const acceptedEventId = this.append('WorkflowExecutionUpdateAccepted', {
        protocolInstanceId: m.protocolInstanceId,
        acceptedRequestMessageId: m.body.acceptedRequestMessageId,
        acceptedRequestSequencingEventId: m.body.acceptedRequestSequencingEventId,
        acceptedRequest: m.body.acceptedRequest ?? update?.request,
      });
      if (update) {
        update.acceptedEventId = acceptedEventId;
        update.advance(UpdateStage.Accepted);
      }
    } else if (m.kind === 'response') {
      this.append('WorkflowExecutionUpdateCompleted', {
        meta: m.body.meta,
        acceptedEventId: update?.acceptedEventId ?? 0,
        outcome: m.body.outcome,
      });
      update?.advance(UpdateStage.Completed, m.body.outcome);
    }
  }

  private rejectUpdate(rejection: Attrs): void {
    const id: string =
      rejection.rejectedRequest?.meta?.updateId ??
      `${rejection.rejectedRequestMessageId}`.replace(/\/request$/, '');
    const update = this.updateMap?.get(id);
    if (!update) return;
    // A rejected update leaves no trace in history; its id may be used again.
    this.updateMap!.delete(id);
    update.advance(UpdateStage.Completed, { failure: rejection.failure });
  }

  // ---------------------------------------------------------------- queries

  /** Answers a query through a worker: attached to the next workflow task, or as a query task. */
  query(q: PendingQuery): void {
    (this.queriesById ??= new Map()).set(q.id, q);
    if (this.isRunning && this.wft?.state === 'scheduled') this.wft.queries.push(q);
    else if (this.isRunning && this.wft) (this.waitingQueries ??= []).push(q);
    else this.dispatchQuery(q);
    this.notify();
  }

  forgetQuery(id: string): void {
    const q = this.queriesById?.get(id);
    if (!q) {
      // It may have moved on with the chain (see dispatchQuery).
      if (this.nextRunId) this.host.runById(this.nextRunId)?.forgetQuery(id);
      return;
    }
    this.forget(q);
    this.waitingQueries = this.waitingQueries?.filter((w) => w !== q);
    if (this.wft) this.wft.queries = this.wft.queries.filter((w) => w !== q);
  }

  private forget(q: PendingQuery): void {
    clearTimeout(q.stickyFallback);
    clearTimeout(q.redelivery);
    this.queriesById?.delete(q.id);
    if (this.queriesById?.size === 0) this.queriesById = undefined;
  }

  private dispatchWaitingQueries(): void {
    const waiting = this.waitingQueries;
    if (!waiting) return;
    this.waitingQueries = undefined;
    if (this.isRunning && this.wft?.state === 'scheduled') this.wft.queries.push(...waiting);
    else for (const q of waiting) this.dispatchQuery(q);
  }

  private dispatchQuery(q: PendingQuery): void {
    if (!this.queriesById?.has(q.id)) return;
    const next = !this.isRunning && q.followsChain && this.nextRunId && this.host.runById(this.nextRunId);
    if (next) {
      // Asked of the workflow, not of this run: the run that continues it answers. A query task
      // for this run would reach a worker that is evicting it, and could go unanswered.
      this.forget(q);
      next.query(q);
      return;
    }
    if (this.previousStartedEventId === 0) {
      this.forget(q);
      q.reject(
        failedPrecondition(
          'Workflow closed before its first workflow task completed; it cannot answer queries.',
        ),
      );
      return;
    }
    const sticky = this.isRunning ? this.sticky?.queue : undefined;
    this.host.enqueueWorkflowTask(sticky ?? this.taskQueue, { kind: 'query', exec: this, queryId: q.id });
    if (!sticky) return;
    // Real time, not the virtual clock: waiting for a worker must not make time skip.
    q.stickyFallback = setTimeout(() => {
      if (this.queriesById?.get(q.id) !== q || q.started) return;
      this.host.enqueueWorkflowTask(this.taskQueue, { kind: 'query', exec: this, queryId: q.id });
    }, STICKY_QUERY_FALLBACK_MS);
    q.stickyFallback.unref();
  }

  startQueryTask(ref: QueryTaskRef, fromSticky: boolean): Attrs | null {
    const q = this.queriesById?.get(ref.queryId);
    if (!q || q.started) return null;
    q.started = true;
    clearTimeout(q.stickyFallback);
    // Real time, as for the sticky fallback.
    q.redelivery = setTimeout(() => {
      if (this.queriesById?.get(q.id) !== q) return;
      q.started = false;
      this.host.enqueueWorkflowTask(this.taskQueue, { kind: 'query', exec: this, queryId: q.id });
    }, QUERY_REDELIVERY_MS);
    q.redelivery.unref();
    return {
      taskToken: encodeTaskToken({ k: 'q', n: this.namespace, w: this.workflowId, r: this.runId, q: q.id }),
      workflowExecution: { workflowId: this.workflowId, runId: this.runId },
      workflowType: { name: this.workflowType },
      previousStartedEventId: this.previousStartedEventId,
      // No Started event: a query task adds nothing to history. The SDK's core tells a query-only
      // task by startedEventId 0 (as the real server sends); with any other id it takes the task
      // for a new workflow task, and of several buffered for one run keeps only the last.
      startedEventId: 0,
      attempt: 1,
      history: fromSticky ? {} : historyMessage(this.history.encoded()),
      query: { queryType: q.queryType, queryArgs: q.queryArgs ?? undefined, header: q.header ?? undefined },
      workflowExecutionTaskQueue: { name: this.taskQueue, kind: TaskQueueKind.Normal },
      scheduledTime: timestamp(this.host.clock.now()),
      startedTime: timestamp(this.host.clock.now()),
    };
  }

  answerQuery(id: string, req: Attrs): void {
    const q = this.queriesById?.get(id);
    if (!q) throw new RpcError(status.NOT_FOUND, 'Query not found (it was answered or timed out).');
    this.settleQuery(q, req);
  }

  private answerQueries(attached: PendingQuery[], results: Record<string, Attrs>): void {
    for (const q of attached) {
      const r = results[q.id];
      if (r)
        this.settleQuery(q, {
          completedType: r.resultType,
          queryResult: r.answer,
          errorMessage: r.errorMessage,
          failure: r.failure,
        });
      else (this.waitingQueries ??= []).push(q);
    }
  }

  private settleQuery(q: PendingQuery, r: Attrs): void {
    this.forget(q);
    if (r.completedType === 2)
      q.reject(new RpcError(status.INVALID_ARGUMENT, r.errorMessage || r.failure?.message || 'query failed'));
    else q.resolve(r.queryResult);
  }

  // ---------------------------------------------------------------- describe

  pendingActivities(): Attrs[] {
    return [...this.activities.values()].map((a) => ({
      activityId: a.activityId,
      activityType: { name: a.activityType },
      state: a.cancelRequested ? 3 : a.state === 'started' ? 2 : 1,
      heartbeatDetails: a.heartbeatDetails ?? undefined,
      lastHeartbeatTime: a.lastHeartbeatTime ? timestamp(a.lastHeartbeatTime) : undefined,
      lastStartedTime: a.startedTime ? timestamp(a.startedTime) : undefined,
      attempt: a.attempt,
      maximumAttempts: a.retry.maximumAttempts ?? 0,
      scheduledTime: timestamp(a.attemptScheduledTime),
      expirationTime: a.expiresAt ? timestamp(a.expiresAt) : undefined,
      lastFailure: a.lastFailure ?? undefined,
      lastWorkerIdentity: a.identity ?? '',
    }));
  }

  pendingWorkflowTask(): Attrs | undefined {
    const w = this.wft;
    if (!w) return undefined;
    return {
      state: w.state === 'started' ? 2 : 1,
      scheduledTime: timestamp(w.scheduledTime),
      startedTime: w.startedTime ? timestamp(w.startedTime) : undefined,
      attempt: w.attempt,
    };
  }

  /** Rejects every query still waiting (server shutdown). */
  abandonQueries(err: Error): void {
    for (const q of [...(this.queriesById?.values() ?? [])]) {
      this.forget(q);
      q.reject(err);
    }
  }
}

interface ProtocolMessage {
  kind: 'acceptance' | 'rejection' | 'response' | 'other';
  protocolInstanceId: string;
  body: Attrs;
}

const MESSAGE_KINDS: Record<string, ProtocolMessage['kind']> = {
  'temporal.api.update.v1.Acceptance': 'acceptance',
  'temporal.api.update.v1.Rejection': 'rejection',
  'temporal.api.update.v1.Response': 'response',
};

/** Decodes the protocol messages of a completion (update acceptances, rejections, responses). */
function decodeProtocolMessages(messages: Attrs[]): Map<string, ProtocolMessage> {
  const out = new Map<string, ProtocolMessage>();
  messages.forEach((m, i) => {
    const typeName = String(m.body?.type_url ?? m.body?.typeUrl ?? '').replace(/^.*\//, '');
    const kind = MESSAGE_KINDS[typeName] ?? 'other';
    let body: Attrs = {};
    if (kind !== 'other') {
      try {
        body = decodeMessage(typeName, m.body.value ?? Buffer.alloc(0));
      } catch {
        throw invalidArgument(`messages[${i}].body is not a valid ${typeName}.`);
      }
    }
    out.set(m.id, { kind, protocolInstanceId: m.protocolInstanceId ?? '', body });
  });
  return out;
}

const TIMEOUT_NAMES: Record<number, string> = {
  1: 'StartToClose',
  2: 'ScheduleToStart',
  3: 'ScheduleToClose',
  4: 'Heartbeat',
};

/** `current` with `fields` upserted (a null payload removes a field); a new object, or NO_FIELDS. */
function upserted(current: Record<string, Attrs>, fields: Record<string, Attrs>): Record<string, Attrs> {
  const next = { ...current };
  for (const [k, v] of Object.entries(fields)) {
    if (isNullPayload(v)) delete next[k];
    else next[k] = v;
  }
  return Object.keys(next).length ? next : NO_FIELDS;
}

function isNullPayload(p: Attrs | null | undefined): boolean {
  if (!p) return true;
  const data = p.data as Buffer | undefined;
  return !data || data.length === 0 || data.toString() === 'null' || data.toString() === '[]';
}

const COMMAND_ATTRIBUTES: Record<number, string> = {
  1: 'scheduleActivityTaskCommandAttributes',
  2: 'requestCancelActivityTaskCommandAttributes',
  3: 'startTimerCommandAttributes',
  4: 'completeWorkflowExecutionCommandAttributes',
  5: 'failWorkflowExecutionCommandAttributes',
  6: 'cancelTimerCommandAttributes',
  7: 'cancelWorkflowExecutionCommandAttributes',
  8: 'requestCancelExternalWorkflowExecutionCommandAttributes',
  9: 'recordMarkerCommandAttributes',
  10: 'continueAsNewWorkflowExecutionCommandAttributes',
  11: 'startChildWorkflowExecutionCommandAttributes',
  12: 'signalExternalWorkflowExecutionCommandAttributes',
  13: 'upsertWorkflowSearchAttributesCommandAttributes',
  14: 'protocolMessageCommandAttributes',
  16: 'modifyWorkflowPropertiesCommandAttributes',
};

/** Rejects a malformed command before anything is applied (INVALID_ARGUMENT naming the field). */
export function validateCommand(c: Attrs, index: number): void {
  const field = COMMAND_ATTRIBUTES[c.commandType];
  if (!field)
    throw invalidArgument(
      `commands[${index}].commandType ${c.commandType ?? 0} is not supported by this server`,
    );
  const a = c[field];
  const optional = c.commandType === 4 || c.commandType === 7;
  if (!a && !optional) throw invalidArgument(`commands[${index}].${field} is not set on command.`);
  const need = (ok: unknown, name: string) => {
    if (!ok) throw invalidArgument(`commands[${index}].${field}.${name} is not set.`);
  };
  switch (c.commandType) {
    case 1:
      need(a.activityId, 'activityId');
      need(a.activityType?.name, 'activityType');
      need(
        durationMs(a.scheduleToCloseTimeout) || durationMs(a.startToCloseTimeout),
        'scheduleToCloseTimeout or startToCloseTimeout',
      );
      break;
    case 3:
      need(a.timerId, 'timerId');
      need(durationMs(a.startToFireTimeout) > 0, 'startToFireTimeout');
      break;
    case 6:
      need(a.timerId, 'timerId');
      break;
    case 11:
      need(a.workflowId, 'workflowId');
      need(a.workflowType?.name, 'workflowType');
      break;
    case 12:
      need(a.execution?.workflowId, 'execution.workflowId');
      need(a.signalName, 'signalName');
      break;
    case 8:
      need(a.workflowId, 'workflowId');
      break;
  }
}

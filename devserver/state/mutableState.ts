/**
 * The mutable state of one workflow run, as plain data records (Temporal's "mutable state"): what
 * the behaviour modules beside this one change, and what a journal would snapshot and restore.
 *
 * Durable (in MutableState and the records it holds): the run's identity and timeouts, status and
 * close time, the history (encoded bytes), memo and search attributes, the workflow task in
 * flight, the sticky queue, the activities, user timers and children still open, the held-back
 * events, the next workflow task's attempt and the run that follows a continue-as-new.
 *
 * Runtime-only (on the Execution, rebuilt after a restore, never snapshotted): the host (queues,
 * clock), every ClockTimer handle (workflow-task, activity, user-timer and run timeouts: re-armed
 * from the deadlines recorded here), pending queries and their promises, updates and their waiters,
 * history watchers (long polls), and the flags of a completion being applied.
 */
import type {
  Failure,
  Header,
  Payload,
  Payloads,
  Priority,
  RetryPolicyMessage,
  UserMetadata,
} from '../grpc/messages';
import type { PendingEvent } from '../history/events';
import type { EncodedHistory } from '../history/encodedHistory';
import type { FullRetryPolicy } from './retry';
import type { ResetPoint, WorkerVersionStamp } from './workerVersions';

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

/** The workflow task scheduled or started (Temporal's workflow task state machine's data). */
export interface WorkflowTaskInfo {
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
  identity?: string;
  /** Updates whose requests this task carried. */
  updateIds?: string[];
}

/** An activity scheduled and not closed (its timers are runtime-only, on the Execution). */
export interface ActivityInfo {
  scheduledEventId: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input?: Payloads | null;
  header?: Header | null;
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
  heartbeatDetails?: Payloads | null;
  lastHeartbeatTime?: number;
  lastFailure?: Failure | null;
  cancelRequested: boolean;
  cancelRequestedEventId: number;
  dispatchId: number;
  /** In backoff: when the next attempt is dispatched. */
  retryAt?: number;
  /** The activity's own priority (its task gets it merged over the workflow's). */
  priority?: Priority;
  /** Paused by an operator (PauseActivity): no new attempt and no timeout until unpaused. */
  paused?: ActivityPause;
  /** Reset by an operator while an attempt ran: its heartbeats answer activity_reset. */
  resetRequested?: boolean;
  /** A reset asked to drop the heartbeat details: the next attempt starts without them. */
  resetHeartbeat?: boolean;
}

/** Who paused an activity, when and why (describe's pauseInfo); requestId makes a pause idempotent. */
export interface ActivityPause {
  time: number;
  identity: string;
  reason: string;
  requestId: string;
}

/** A user timer started and not fired or cancelled (its clock handle is runtime-only). */
export interface TimerInfo {
  timerId: string;
  startedEventId: number;
  /** When it fires (virtual time). */
  fireAt: number;
}

export interface StickyInfo {
  queue: string;
  timeoutMs: number;
}

/** An event held back while a workflow task is started; `linkStarted` fills its startedEventId. */
export type HeldBackEvent = PendingEvent & { linkStarted?: boolean };

/**
 * One run's durable state. Collections most runs never fill (activities, children, timers,
 * held-back events) are undefined until first used: thousands of runs may wait on a timer.
 */
export interface MutableState {
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
  /** The top of a child's tree of parents (a run without a parent is its own root). */
  readonly root?: { workflowId: string; runId: string };
  /** The static summary and details given at start (describe's executionConfig.userMetadata). */
  readonly userMetadata?: UserMetadata;
  /** The workflow's task priority (priorities.ts). */
  readonly priority?: Priority;
  readonly runTimeoutMs: number;
  readonly executionTimeoutMs: number;
  readonly taskTimeoutMs: number;
  status: number;
  closeTime: number;
  readonly history: EncodedHistory;
  /** Copy-on-write: NO_FIELDS until the run has some. */
  memo: Record<string, Payload>;
  searchAttributes: Record<string, Payload>;
  previousStartedEventId: number;
  wft: WorkflowTaskInfo | null;
  sticky: StickyInfo | null;
  /** Set once a run closes by continuing as new: the run that follows. */
  nextRunId: string;
  /** By scheduled event id. */
  activities: Map<number, ActivityInfo> | undefined;
  /** By initiated event id. */
  children: Map<number, ChildInfo> | undefined;
  /** A handful at most: a list beats a map. */
  timers: TimerInfo[] | undefined;
  buffered: HeldBackEvent[] | undefined;
  nextWftAttempt: number;
  /** The first workflow task each worker build completed (workerVersions.ts). */
  resetPoints?: ResetPoint[];
  /** The last version stamp a worker completed a task with. */
  workerVersion?: WorkerVersionStamp;
  /** The workflow's retry policy (start option), and this run's attempt; undefined for most runs. */
  retryPolicy?: RetryPolicyMessage;
  attempt?: number;
  /** When the chain's first attempt started (the execution timeout counts from it); set with retryPolicy. */
  executionStartTime?: number;
  /** The cron schedule (start option) the run belongs to; undefined for most runs. */
  cronSchedule?: string;
  /** Set on a run that was reset: the latest run made from it (describe's resetRunId). */
  resetRunId?: string;
  /** Set on a run made by a reset: when (describe's lastResetTime). */
  lastResetTime?: number;
}

/** Shared stand-in for memo and search attributes of runs that have none. */
export const NO_FIELDS: Record<string, Payload> = Object.freeze({}) as Record<string, Payload>;

/** `current` with `fields` upserted (a null payload removes a field); a new object, or NO_FIELDS. */
export function upserted(
  current: Record<string, Payload>,
  fields: Record<string, Payload>,
): Record<string, Payload> {
  const next = { ...current };
  for (const [k, v] of Object.entries(fields)) {
    if (isNullPayload(v)) delete next[k];
    else next[k] = v;
  }
  return Object.keys(next).length ? next : NO_FIELDS;
}

function isNullPayload(p: Payload | null | undefined): boolean {
  if (!p) return true;
  // Decoded with bytes: Buffer (proto.ts), so toString gives the text.
  const data = p.data as Buffer | null | undefined;
  return !data || data.length === 0 || data.toString() === 'null' || data.toString() === '[]';
}

/**
 * History events as plain objects in the shape of temporal.api.history.v1.HistoryEvent (what
 * protobufjs fromObject takes), and the enum numbers the server writes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Attrs = Record<string, any>;
export interface HistoryEvent {
  eventId: number;
  eventTime: Timestamp;
  eventType: number;
  taskId?: number;
  [attributes: string]: unknown;
}
export interface Timestamp {
  seconds: number;
  nanos: number;
}
export interface Duration {
  seconds?: number;
  nanos?: number;
}

export const EventType = {
  WorkflowExecutionStarted: 1,
  WorkflowExecutionCompleted: 2,
  WorkflowExecutionFailed: 3,
  WorkflowExecutionTimedOut: 4,
  WorkflowTaskScheduled: 5,
  WorkflowTaskStarted: 6,
  WorkflowTaskCompleted: 7,
  WorkflowTaskTimedOut: 8,
  WorkflowTaskFailed: 9,
  ActivityTaskScheduled: 10,
  ActivityTaskStarted: 11,
  ActivityTaskCompleted: 12,
  ActivityTaskFailed: 13,
  ActivityTaskTimedOut: 14,
  ActivityTaskCancelRequested: 15,
  ActivityTaskCanceled: 16,
  TimerStarted: 17,
  TimerFired: 18,
  TimerCanceled: 19,
  WorkflowExecutionCancelRequested: 20,
  WorkflowExecutionCanceled: 21,
  RequestCancelExternalWorkflowExecutionInitiated: 22,
  RequestCancelExternalWorkflowExecutionFailed: 23,
  ExternalWorkflowExecutionCancelRequested: 24,
  MarkerRecorded: 25,
  WorkflowExecutionSignaled: 26,
  WorkflowExecutionTerminated: 27,
  WorkflowExecutionContinuedAsNew: 28,
  StartChildWorkflowExecutionInitiated: 29,
  StartChildWorkflowExecutionFailed: 30,
  ChildWorkflowExecutionStarted: 31,
  ChildWorkflowExecutionCompleted: 32,
  ChildWorkflowExecutionFailed: 33,
  ChildWorkflowExecutionCanceled: 34,
  ChildWorkflowExecutionTimedOut: 35,
  ChildWorkflowExecutionTerminated: 36,
  SignalExternalWorkflowExecutionInitiated: 37,
  SignalExternalWorkflowExecutionFailed: 38,
  ExternalWorkflowExecutionSignaled: 39,
  UpsertWorkflowSearchAttributes: 40,
  WorkflowExecutionUpdateAccepted: 41,
  WorkflowExecutionUpdateRejected: 42,
  WorkflowExecutionUpdateCompleted: 43,
  WorkflowPropertiesModified: 46,
} as const;
export type EventTypeName = keyof typeof EventType;

/** The oneof field name holding an event type's attributes, e.g. timerFiredEventAttributes. */
export function attributesField(name: EventTypeName): string {
  return (ATTRIBUTES_FIELDS[name] ??= `${name[0]!.toLowerCase()}${name.slice(1)}EventAttributes`);
}
const ATTRIBUTES_FIELDS: Partial<Record<EventTypeName, string>> = {};

const CLOSE_EVENTS = new Set<number>([
  EventType.WorkflowExecutionCompleted,
  EventType.WorkflowExecutionFailed,
  EventType.WorkflowExecutionTimedOut,
  EventType.WorkflowExecutionCanceled,
  EventType.WorkflowExecutionTerminated,
  EventType.WorkflowExecutionContinuedAsNew,
]);
export const isCloseEvent = (e: { eventType: number }): boolean => CLOSE_EVENTS.has(e.eventType);

/** An event not yet numbered: held-back events get their id when they are written. */
export interface PendingEvent {
  type: EventTypeName;
  attributes: Attrs;
  time: number;
}

export function makeEvent(
  eventId: number,
  timeMs: number,
  type: EventTypeName,
  attributes: Attrs,
): HistoryEvent {
  return {
    eventId,
    eventTime: timestamp(timeMs),
    eventType: EventType[type],
    taskId: eventId,
    [attributesField(type)]: attributes,
  };
}

export function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestampMs(t: Partial<Timestamp> | null | undefined): number {
  return t ? (t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

/** Milliseconds of a google.protobuf.Duration; 0 when unset. */
export function durationMs(d: Duration | null | undefined): number {
  return d ? (d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6) : 0;
}

export function duration(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

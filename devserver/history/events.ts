import type { HistoryEvent as ProtoHistoryEvent } from '../grpc/messages';

/**
 * History events as plain objects in the shape of temporal.api.history.v1.HistoryEvent (what
 * protobufjs fromObject takes, typed with the proto's interfaces), and the enum numbers the
 * server writes.
 */
/**
 * A loosely typed message, for tests that build raw requests and read raw responses; the server's
 * own code uses the proto's interfaces (grpc/messages.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index raw messages freely
export type Attrs = Record<string, any>;

/** An event the server wrote: id, time and type are always set. */
export type HistoryEvent = ProtoHistoryEvent & { eventId: number; eventTime: Timestamp; eventType: number };
export interface Timestamp {
  seconds: number;
  nanos: number;
}
export interface Duration {
  seconds?: number | null;
  nanos?: number | null;
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
  WorkflowExecutionUpdateAdmitted: 47,
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

/** The attributes of an event type, e.g. EventAttributes<'TimerFired'> is ITimerFiredEventAttributes. */
export type EventAttributes<N extends EventTypeName> = NonNullable<
  ProtoHistoryEvent[`${Uncapitalize<N>}EventAttributes` & keyof ProtoHistoryEvent]
>;

/** An event to write, of any type, with its attributes. */
export type NewEvent = { [N in EventTypeName]: { type: N; attributes: EventAttributes<N> } }[EventTypeName];

/** An event not yet numbered: held-back events get their id when they are written. */
export type PendingEvent<T extends EventTypeName = EventTypeName> = {
  [N in T]: { type: N; attributes: EventAttributes<N>; time: number };
}[T];

/** What an event carries beside its attributes (user metadata: a summary and details). */
export type EventExtras = Pick<ProtoHistoryEvent, 'userMetadata'>;

export function makeEvent<N extends EventTypeName>(
  eventId: number,
  timeMs: number,
  type: N,
  attributes: EventAttributes<N>,
  extras?: EventExtras,
): HistoryEvent {
  const event: HistoryEvent = {
    eventId,
    eventTime: timestamp(timeMs),
    eventType: EventType[type],
    taskId: eventId,
    [attributesField(type)]: attributes,
  };
  if (extras?.userMetadata) event.userMetadata = extras.userMetadata;
  return event;
}

export function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestampMs(t: Duration | null | undefined): number {
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

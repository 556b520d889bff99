import type { google, temporal } from '@temporalio/proto';
import type { CallContext } from './server';

/**
 * The server's messages, typed with the interfaces @temporalio/proto ships, as the server holds
 * them: decoded with TO_OBJECT_OPTIONS (proto.ts), so int64 fields are numbers rather than Long,
 * and messages it builds are plain objects that protobufjs fromObject takes.
 */
export type Plain<T> = T extends { low: number; high: number; unsigned: boolean }
  ? number
  : T extends Uint8Array
    ? T
    : T extends readonly (infer U)[]
      ? Plain<U>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

export type HistoryEvent = Plain<temporal.api.history.v1.IHistoryEvent>;
export type Command = Plain<temporal.api.command.v1.ICommand>;
/** The attributes of one kind of command, e.g. CommandAttributes<'startTimerCommandAttributes'>. */
export type CommandAttributes<K extends keyof Command & `${string}CommandAttributes`> = NonNullable<
  Command[K]
>;
export type Payload = Plain<temporal.api.common.v1.IPayload>;
export type Payloads = Plain<temporal.api.common.v1.IPayloads>;
export type Header = Plain<temporal.api.common.v1.IHeader>;
export type Memo = Plain<temporal.api.common.v1.IMemo>;
export type SearchAttributes = Plain<temporal.api.common.v1.ISearchAttributes>;
export type Failure = Plain<temporal.api.failure.v1.IFailure>;
export type DurationMessage = Plain<google.protobuf.IDuration>;
export type WorkflowExecution = Plain<temporal.api.common.v1.IWorkflowExecution>;
export type ProtocolMessage = Plain<temporal.api.protocol.v1.IMessage>;
export type RetryPolicyMessage = Plain<temporal.api.common.v1.IRetryPolicy>;
export type ActivityOptions = Plain<temporal.api.activity.v1.IActivityOptions>;
export type PendingActivityInfo = Plain<temporal.api.workflow.v1.IPendingActivityInfo>;
export type PendingWorkflowTaskInfo = Plain<temporal.api.workflow.v1.IPendingWorkflowTaskInfo>;
export type UpdateRequest = Plain<temporal.api.update.v1.IRequest>;
export type UpdateOutcome = Plain<temporal.api.update.v1.IOutcome>;
export type UpdateAcceptance = Plain<temporal.api.update.v1.IAcceptance>;
export type UpdateRejection = Plain<temporal.api.update.v1.IRejection>;
export type UpdateResponse = Plain<temporal.api.update.v1.IResponse>;
export type QueryMessage = Plain<temporal.api.query.v1.IWorkflowQuery>;
export type QueryResult = Plain<temporal.api.query.v1.IWorkflowQueryResult>;
export type UserMetadata = Plain<temporal.api.sdk.v1.IUserMetadata>;
export type Priority = Plain<temporal.api.common.v1.IPriority>;

// WorkflowService requests and responses the state modules take and give.
export type PollWorkflowTaskQueueResponse =
  Plain<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse>;
export type PollActivityTaskQueueResponse =
  Plain<temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse>;
export type RespondWorkflowTaskCompletedRequest =
  Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>;
export type RespondWorkflowTaskCompletedResponse =
  Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse>;
export type RespondWorkflowTaskFailedRequest =
  Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest>;
export type RespondQueryTaskCompletedRequest =
  Plain<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>;
export type RecordActivityTaskHeartbeatResponse =
  Plain<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatResponse>;
export type StartWorkflowExecutionRequest =
  Plain<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>;

/** The properties interface a reflection class's create() takes, e.g. IStartWorkflowExecutionRequest. */
type PropertiesOf<C> = C extends { create(properties?: infer P): unknown } ? NonNullable<P> : never;
/** A service's method names, as its request messages name them. */
type MethodOf<NS> = { [K in keyof NS]: K extends `${infer M}Request` ? M : never }[keyof NS];
type RequestOf<NS, M extends string> = Plain<PropertiesOf<NS[`${M}Request` & keyof NS]>>;
/** Where no `${M}Response` exists (TestService's SleepUntil answers a SleepResponse), any message. */
type ResponseOf<NS, M extends string> = `${M}Response` extends keyof NS
  ? Plain<PropertiesOf<NS[`${M}Response`]>>
  : object;
/** A service's handlers, each typed by its method's request and response. */
type ServiceHandlers<NS> = {
  [M in MethodOf<NS>]?: (
    req: RequestOf<NS, M>,
    ctx: CallContext,
  ) => ResponseOf<NS, M> | Promise<ResponseOf<NS, M>>;
};

type WorkflowServiceTypes = typeof temporal.api.workflowservice.v1;
export type WorkflowServiceMethod = MethodOf<WorkflowServiceTypes>;
export type WorkflowServiceRequest<M extends WorkflowServiceMethod> = RequestOf<WorkflowServiceTypes, M>;
export type WorkflowServiceResponse<M extends WorkflowServiceMethod> = ResponseOf<WorkflowServiceTypes, M>;
export type WorkflowServiceHandlers = ServiceHandlers<WorkflowServiceTypes>;
/**
 * TestService; UnlockTimeSkippingWithSleep takes a SleepRequest and GetCurrentTime an Empty, so no
 * request type names them.
 */
export type TestServiceHandlers = ServiceHandlers<typeof temporal.api.testservice.v1> & {
  GetCurrentTime?: (
    req: object,
    ctx: CallContext,
  ) => Plain<temporal.api.testservice.v1.IGetCurrentTimeResponse>;
  UnlockTimeSkippingWithSleep?: (
    req: Plain<temporal.api.testservice.v1.ISleepRequest>,
    ctx: CallContext,
  ) => Promise<Plain<temporal.api.testservice.v1.ISleepResponse>>;
};
export type OperatorServiceHandlers = ServiceHandlers<typeof temporal.api.operatorservice.v1>;

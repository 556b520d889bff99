/** temporal.api.enums.v1 numbers the server writes. Execution statuses are visibility's table. */
export { EXECUTION_STATUS as ExecutionStatus } from '../visibility/record';

/** consts.IdentityHistoryService: who the history service's own events name. */
export const HISTORY_SERVICE_IDENTITY = 'history-service';

/** ResourceExhaustedCause and ResourceExhaustedScope, of a ResourceExhaustedFailure detail. */
export const ResourceExhausted = { CauseConcurrentLimit: 2, ScopeNamespace: 1 } as const;

export const TaskQueueKind = { Normal: 1, Sticky: 2 } as const;

/** TimeoutType (shared by activities and workflow tasks). */
export const ActivityTimeoutType = {
  StartToClose: 1,
  ScheduleToStart: 2,
  ScheduleToClose: 3,
  Heartbeat: 4,
} as const;

export const WorkflowTaskFailedCause = {
  Unspecified: 0,
  UnhandledCommand: 1,
  BadScheduleActivityAttributes: 2,
  BadRecordMarkerAttributes: 6,
  BadFailWorkflowExecutionAttributes: 8,
  BadContinueAsNewAttributes: 11,
  WorkflowWorkerUnhandledFailure: 14,
  BadSignalWorkflowExecutionAttributes: 15,
  BadStartChildExecutionAttributes: 16,
  ResetWorkflow: 20,
  BadSearchAttributes: 23,
  BadModifyWorkflowPropertiesAttributes: 25,
  BadUpdateWorkflowExecutionMessage: 30,
} as const;

export const IdReusePolicy = {
  AllowDuplicate: 1,
  AllowDuplicateFailedOnly: 2,
  RejectDuplicate: 3,
  TerminateIfRunning: 4,
} as const;
export const IdConflictPolicy = { Fail: 1, UseExisting: 2, TerminateExisting: 3 } as const;

/** StartChildWorkflowExecutionFailedCause. */
export const StartChildFailedCause = { WorkflowAlreadyExists: 1, NamespaceNotFound: 2 } as const;

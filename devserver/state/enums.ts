/** temporal.api.enums.v1 numbers the server writes. Execution statuses are visibility's table. */
export { EXECUTION_STATUS as ExecutionStatus } from '../visibility/record';

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
  ResetWorkflow: 20,
  WorkflowWorkerUnhandledFailure: 22,
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

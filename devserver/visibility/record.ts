import type { SearchAttributeValue, SearchAttributeValues } from './searchAttributes';

/**
 * One workflow execution run as visibility sees it: the plain data ListWorkflowExecutions,
 * CountWorkflowExecutions and describe answer from. The server upserts it on every state change.
 */
export interface VisibilityRecord {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  /** temporal.api.enums.v1.WorkflowExecutionStatus number (1 = Running ... 7 = TimedOut). */
  status: number;
  startTime: Date;
  closeTime?: Date | null;
  executionTime: Date;
  taskQueue: string;
  /** Decoded values (see SearchAttributeRegistry.decode); system attributes are the fields above. */
  searchAttributes: SearchAttributeValues;
  /** Raw memo payloads, handed back untouched. */
  memo?: Record<string, unknown> | null;
  historyLength?: number;
  historySizeBytes?: number;
  stateTransitionCount?: number;
  parentWorkflowId?: string;
  parentRunId?: string;
  rootWorkflowId?: string;
  rootRunId?: string;
}

/** temporal.api.enums.v1.WorkflowExecutionStatus, by the names visibility queries use. */
export const EXECUTION_STATUS = {
  Running: 1,
  Completed: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  ContinuedAsNew: 6,
  TimedOut: 7,
  Paused: 8,
} as const;
export type ExecutionStatusName = keyof typeof EXECUTION_STATUS;

const STATUS_BY_LOWER_NAME = new Map<string, number>(
  Object.entries(EXECUTION_STATUS).flatMap(([name, n]) => [
    [name.toLowerCase(), n],
    // The proto enum spelling, e.g. WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW.
    [`workflow_execution_status_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`, n],
  ]),
);
const NAME_BY_STATUS = new Map<number, ExecutionStatusName>(
  (Object.entries(EXECUTION_STATUS) as [ExecutionStatusName, number][]).map(([name, n]) => [n, name]),
);

/** 'Running' / 'running' / 'WORKFLOW_EXECUTION_STATUS_RUNNING' -> 1; undefined if unknown. */
export function parseExecutionStatus(name: string): number | undefined {
  return STATUS_BY_LOWER_NAME.get(name.trim().toLowerCase());
}

/** 1 -> 'Running'; undefined for 0 (unspecified) and unknown numbers. */
export function executionStatusName(status: number): ExecutionStatusName | undefined {
  return NAME_BY_STATUS.get(status);
}

/**
 * The value of an attribute for a record: system attributes come from the record's fields,
 * everything else from its search attributes. ExecutionStatus is returned as its number;
 * ExecutionDuration (nanoseconds) exists only once the run is closed. Undefined = not set.
 */
export function attributeValue(record: VisibilityRecord, name: string): SearchAttributeValue | undefined {
  switch (name) {
    case 'WorkflowId':
      return record.workflowId;
    case 'RunId':
      return record.runId;
    case 'WorkflowType':
      return record.workflowType;
    case 'ExecutionStatus':
      return record.status;
    case 'StartTime':
      return record.startTime;
    case 'ExecutionTime':
      return record.executionTime;
    case 'CloseTime':
      return record.closeTime ?? undefined;
    case 'TaskQueue':
      return record.taskQueue;
    case 'HistoryLength':
      return record.historyLength;
    case 'HistorySizeBytes':
      return record.historySizeBytes;
    case 'StateTransitionCount':
      return record.stateTransitionCount;
    case 'ExecutionDuration':
      return record.closeTime
        ? (record.closeTime.getTime() - record.executionTime.getTime()) * 1_000_000
        : undefined;
    case 'ParentWorkflowId':
      return record.parentWorkflowId;
    case 'ParentRunId':
      return record.parentRunId;
    case 'RootWorkflowId':
      return record.rootWorkflowId;
    case 'RootRunId':
      return record.rootRunId;
    default:
      return Object.hasOwn(record.searchAttributes, name) ? record.searchAttributes[name] : undefined;
  }
}

import type { temporal } from '@temporalio/proto';
import type { Plain, WorkflowServiceResponse } from '../grpc/messages';
import { duration, timestamp } from '../history/events';
import type { Execution } from '../state/execution';
import { searchAttributesWithBuilds } from '../state/workerVersions';
import { namespaceId } from '../state/namespaceId';

/** DescribeWorkflowExecutionResponse of a run. */
export function describeExecution(exec: Execution): WorkflowServiceResponse<'DescribeWorkflowExecution'> {
  return {
    executionConfig: {
      taskQueue: { name: exec.taskQueue, kind: 1 },
      workflowExecutionTimeout: exec.executionTimeoutMs ? duration(exec.executionTimeoutMs) : undefined,
      workflowRunTimeout: exec.runTimeoutMs ? duration(exec.runTimeoutMs) : undefined,
      defaultWorkflowTaskTimeout: duration(exec.taskTimeoutMs),
      userMetadata: exec.state.userMetadata,
    },
    workflowExecutionInfo: executionInfo(exec),
    pendingActivities: exec.pendingActivities(),
    pendingChildren: [...exec.children.values()].map((c) => ({
      workflowId: c.workflowId,
      runId: c.runId,
      parentClosePolicy: c.closePolicy,
    })),
    pendingWorkflowTask: exec.pendingWorkflowTask(),
    workflowExtendedInfo: {
      originalStartTime: timestamp(exec.startTime),
      resetRunId: exec.state.resetRunId || undefined,
      lastResetTime: exec.state.lastResetTime ? timestamp(exec.state.lastResetTime) : undefined,
    },
  };
}

/** temporal.api.workflow.v1.WorkflowExecutionInfo of a run (describe and list). */
export function executionInfo(exec: Execution): Plain<temporal.api.workflow.v1.IWorkflowExecutionInfo> {
  return {
    execution: { workflowId: exec.workflowId, runId: exec.runId },
    type: { name: exec.workflowType },
    startTime: timestamp(exec.startTime),
    closeTime: exec.closeTime ? timestamp(exec.closeTime) : undefined,
    status: exec.status,
    historyLength: exec.history.length,
    historySizeBytes: exec.history.byteLength,
    executionTime: timestamp(exec.executionTime),
    memo: { fields: exec.memo },
    searchAttributes: { indexedFields: searchAttributesWithBuilds(exec) },
    taskQueue: exec.taskQueue,
    firstRunId: exec.firstRunId,
    parentExecution: exec.parent
      ? { workflowId: exec.parent.workflowId, runId: exec.parent.runId }
      : undefined,
    parentNamespaceId: exec.parent ? namespaceId(exec.parent.namespace) : undefined,
    rootExecution: exec.state.root ?? { workflowId: exec.workflowId, runId: exec.runId },
    executionDuration: exec.closeTime ? duration(exec.closeTime - exec.executionTime) : undefined,
    stateTransitionCount: exec.history.length,
    autoResetPoints: exec.state.resetPoints
      ? { points: exec.state.resetPoints.map((p) => ({ ...p, createTime: timestamp(p.createTime) })) }
      : undefined,
    mostRecentWorkerVersionStamp: exec.state.workerVersion,
    priority: exec.state.priority,
  };
}

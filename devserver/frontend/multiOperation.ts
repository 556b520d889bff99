import { status } from '@grpc/grpc-js';
import { RpcError, invalidArgument, requireString, type ErrorDetail } from '../grpc/errors';
import { encodeMessage } from '../grpc/proto';
import { durationMs } from '../history/events';
import type { CallContext } from '../grpc/server';
import type { WorkflowServiceRequest, WorkflowServiceResponse } from '../grpc/messages';
import type { DevServer } from '../server';
import type { Execution } from '../state/execution';
import { WorkflowUpdate } from '../state/updates';
import { awaitUpdate } from './workflowService';

type StartRequest = WorkflowServiceRequest<'StartWorkflowExecution'>;
type Start = (req: StartRequest) => { exec: Execution; started: boolean };

/**
 * ExecuteMultiOperation: update-with-start, the one combination Temporal's frontend accepts
 * (exactly [StartWorkflow, UpdateWorkflow] on one workflow id). The start follows its id conflict
 * policy (USE_EXISTING sends the update to the running workflow); the update is then admitted to
 * the run and awaited like UpdateWorkflowExecution. A failure of either operation is answered as
 * Temporal's MultiOperationExecution error: the failed operation's status in the details, the
 * other one aborted, the whole call with the failed operation's code.
 */
export async function executeMultiOperation(
  server: DevServer,
  req: WorkflowServiceRequest<'ExecuteMultiOperation'>,
  ctx: CallContext,
  start: Start,
): Promise<WorkflowServiceResponse<'ExecuteMultiOperation'>> {
  const ns = server.checkNamespace(req.namespace);
  const ops = req.operations ?? [];
  const startReq = ops[0]?.startWorkflow;
  const updateReq = ops[1]?.updateWorkflow;
  if (ops.length !== 2 || !startReq || !updateReq)
    throw invalidArgument('Operations have to be exactly [Start, Update].');
  // Each operation is checked before either runs; a bad one fails, the other is aborted. The
  // wordings and their order are Temporal's frontend's (service/frontend/errors.go, errMultiOp*).
  const checks = [
    () => {
      if (startReq.namespace && startReq.namespace !== ns)
        throw invalidArgument("Operation namespace did not match request's namespace.");
      requireString(startReq.workflowId, 'WorkflowId');
      if (startReq.cronSchedule) throw invalidArgument('CronSchedule is not allowed.');
      if (startReq.requestEagerExecution) throw invalidArgument('RequestEagerExecution is not supported.');
      if (durationMs(startReq.workflowStartDelay) > 0)
        throw invalidArgument('WorkflowStartDelay is not supported.');
    },
    () => {
      if (updateReq.namespace && updateReq.namespace !== ns)
        throw invalidArgument("Operation namespace did not match request's namespace.");
      requireString(updateReq.request?.meta?.updateId, 'request.meta.updateId');
      requireString(updateReq.request?.input?.name, 'request.input.name');
      if (updateReq.firstExecutionRunId) throw invalidArgument('FirstExecutionRunId is not allowed.');
      if (updateReq.workflowExecution?.runId) throw invalidArgument('RunId is not allowed.');
      if (updateReq.workflowExecution?.workflowId !== startReq.workflowId)
        throw invalidArgument('WorkflowId is not consistent with previous operation(s).');
    },
  ];
  checks.forEach((check, i) => failing(i, check));

  const { exec, started } = failing(0, () => start({ ...startReq, namespace: ns }));
  const update = failing(1, () =>
    exec.admitUpdate(new WorkflowUpdate(updateReq.request!.meta!.updateId!, updateReq.request!)),
  );
  const updateResponse = await awaitUpdate(server, exec, update, updateReq.waitPolicy?.lifecycleStage, ctx);
  return {
    responses: [
      { startWorkflow: { runId: exec.runId, started, status: exec.status } },
      { updateWorkflow: updateResponse },
    ],
  };
}

/** Runs operation `index`; its RpcError becomes the MultiOperationExecution error. */
function failing<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    const statuses = [0, 1].map((i) =>
      i === index
        ? { code: err.code, message: err.message, details: err.details.map(anyOf) }
        : {
            code: status.ABORTED,
            message: 'Operation was aborted.',
            details: [
              anyOf({ typeName: 'temporal.api.failure.v1.MultiOperationExecutionAborted', value: {} }),
            ],
          },
    );
    throw new RpcError(err.code, 'Update-with-Start could not be executed.', [
      { typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure', value: { statuses } },
    ]);
  }
}

function anyOf(d: ErrorDetail) {
  // google.protobuf.Any keeps its snake_case field name in the SDK's root.
  return { type_url: `type.googleapis.com/${d.typeName}`, value: encodeMessage(d.typeName, d.value) };
}

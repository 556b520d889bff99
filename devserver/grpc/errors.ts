import { status } from '@grpc/grpc-js';
import { encodeMessage } from './proto';

/** A detail message put in the google.rpc.Status trailer (grpc-status-details-bin), as Temporal does. */
export interface ErrorDetail {
  typeName: string;
  value: object;
}

/** An error a handler throws to answer a gRPC status instead of INTERNAL. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string, details: ErrorDetail[] = []) =>
  new RpcError(status.NOT_FOUND, message, details);
export const failedPrecondition = (message: string) => new RpcError(status.FAILED_PRECONDITION, message);

/** The `NotFound` failure detail the SDKs recognise for unknown executions. */
export function executionNotFound(message: string): RpcError {
  return notFound(message, [{ typeName: 'temporal.api.errordetails.v1.NotFoundFailure', value: {} }]);
}

/** Temporal's consts.ErrWorkflowCompleted: clients compare this wording. */
export const WORKFLOW_COMPLETED = 'workflow execution already completed';

export function workflowCompleted(): RpcError {
  return executionNotFound(WORKFLOW_COMPLETED);
}

/** ALREADY_EXISTS with the detail the SDKs turn into WorkflowExecutionAlreadyStartedError. */
export function workflowAlreadyStarted(
  startRequestId: string,
  runId: string,
  message = 'Workflow execution is already running',
  firstExecutionRunId = runId,
): RpcError {
  return new RpcError(status.ALREADY_EXISTS, message, [
    {
      typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      value: { startRequestId, runId, firstExecutionRunId },
    },
  ]);
}

/** An unknown namespace, as Temporal's namespace validator answers it (the SDK raises NamespaceNotFoundError). */
export function namespaceNotFound(namespace: string): RpcError {
  return notFound(`Namespace ${namespace} is not found.`, [
    { typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure', value: { namespace } },
  ]);
}

/** Encodes google.rpc.Status with Any-wrapped details, the payload of grpc-status-details-bin. */
export function encodeStatusDetails(err: RpcError): Buffer {
  return encodeMessage('google.rpc.Status', {
    code: err.code,
    message: err.message,
    details: err.details.map((d) => ({
      // google.protobuf.Any keeps its snake_case field name in the SDK's root.
      type_url: `type.googleapis.com/${d.typeName}`,
      value: encodeMessage(d.typeName, d.value),
    })),
  });
}

/** Reads a required string field, naming it in the INVALID_ARGUMENT message when it is missing. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw invalidArgument(`${field} is not set on request.`);
  return value;
}

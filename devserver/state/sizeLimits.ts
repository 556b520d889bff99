import { invalidArgument } from '../grpc/errors';
import type { Command, Failure, Payload, Payloads, ProtocolMessage } from '../grpc/messages';
import { encodeMessage } from '../grpc/proto';
import { BLOB_SIZE_EXCEEDS_LIMIT, blobTooLarge, type DynamicConfig } from '../dynamicConfig';
import { WorkflowTaskFailedCause } from './enums';
import type { Execution } from './execution';
import type { TaskToken } from './taskRefs';

/**
 * Payload sizes as Temporal measures them (the encoded size of the proto message, `Size()` in
 * Go), and its workflowSizeChecker: the blob size limit on what clients and commands put in
 * history. Sizes are computed without encoding the payloads, which is the common case's cost.
 */

const varintLength = (n: number): number =>
  n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
/** A length-delimited field of a field number < 16 (one tag byte). */
const lengthDelimited = (length: number): number => 1 + varintLength(length) + length;
const byteLength = (b: Uint8Array | string | null | undefined): number =>
  b == null ? 0 : typeof b === 'string' ? Buffer.byteLength(b) : b.byteLength;

/** The encoded size of a temporal.api.common.v1.Payload. */
export function payloadSize(p: Payload): number {
  // Fields other than metadata and data (external payload references) are rare: encode those.
  if ((p as { externalPayloads?: unknown[] }).externalPayloads?.length)
    return encodeMessage('temporal.api.common.v1.Payload', p).length;
  let size = 0;
  for (const [key, value] of Object.entries(p.metadata ?? {}))
    size += lengthDelimited(lengthDelimited(byteLength(key)) + lengthDelimited(byteLength(value)));
  const data = byteLength(p.data);
  return data > 0 ? size + lengthDelimited(data) : size;
}

/** The encoded size of a temporal.api.common.v1.Payloads. */
export function payloadsSize(p: Payloads | null | undefined): number {
  let size = 0;
  for (const payload of p?.payloads ?? []) size += lengthDelimited(payloadSize(payload));
  return size;
}

/** The frontend's check of what a request puts in history (StartWorkflowExecution, signals). */
export function checkBlobSize(config: DynamicConfig, size: number): void {
  if (blobTooLarge(config, size)) throw invalidArgument(BLOB_SIZE_EXCEEDS_LIMIT);
}

/**
 * RespondActivityTaskCompleted (by token or by id): a result over the blob limit is recorded as
 * the attempt's failure, a non-retryable server failure, as Temporal's frontend does.
 */
export function completeActivityWithinLimit(
  config: DynamicConfig,
  exec: Execution,
  token: TaskToken,
  result: Payloads | null | undefined,
  identity: string,
): void {
  if (blobTooLarge(config, payloadsSize(result)))
    exec.failActivity(
      token,
      { message: COMPLETE_RESULT_EXCEEDS_LIMIT, serverFailureInfo: { nonRetryable: true } },
      identity,
    );
  else exec.completeActivity(token, result, identity);
}

/** common.FailureReasonCompleteResultExceedsLimit. */
export const COMPLETE_RESULT_EXCEEDS_LIMIT = 'Complete result exceeds size limit.';

/** A non-retryable server failure with Temporal's reason (failure.NewServerFailure(reason, true)). */
const serverFailure = (message: string): Failure => ({ message, serverFailureInfo: { nonRetryable: true } });

/**
 * RecordActivityTaskHeartbeat (by token or by id): details over the blob limit fail the attempt
 * at once, non-retryable, and the worker is told the activity is cancelled.
 */
export function heartbeatWithinLimit(
  config: DynamicConfig,
  exec: Execution,
  token: TaskToken,
  details: Payloads | null | undefined,
  identity: string,
): ReturnType<Execution['heartbeatActivity']> {
  if (!blobTooLarge(config, payloadsSize(details))) return exec.heartbeatActivity(token, details);
  exec.failActivity(token, serverFailure('Heartbeat details exceed size limit.'), identity);
  return { cancelRequested: true, activityPaused: false, activityReset: false };
}

/** RespondActivityTaskCanceled: details over the blob limit are recorded as a non-retryable failure. */
export function cancelActivityWithinLimit(
  config: DynamicConfig,
  exec: Execution,
  token: TaskToken,
  details: Payloads | null | undefined,
  identity: string,
): void {
  if (blobTooLarge(config, payloadsSize(details)))
    exec.failActivity(token, serverFailure('Cancel details exceed size limit.'), identity);
  else exec.cancelActivity(token, details, identity);
}

/**
 * RespondActivityTaskFailed: last heartbeat details over the blob limit are dropped, and a failure
 * over it is replaced by a non-retryable server failure whose cause is the original cut to the
 * warn limit. The response lists the failures the server substituted.
 */
export function failActivityWithinLimit(
  config: DynamicConfig,
  exec: Execution,
  token: TaskToken,
  failure: Failure | null | undefined,
  identity: string,
  lastHeartbeatDetails: Payloads | null | undefined,
): { failures: Failure[] } {
  const failures: Failure[] = [];
  if (lastHeartbeatDetails && blobTooLarge(config, payloadsSize(lastHeartbeatDetails))) {
    failures.push(serverFailure('Heartbeat details exceed size limit.'));
    lastHeartbeatDetails = undefined;
  }
  if (failure && blobTooLarge(config, failureSize(failure))) {
    failure = {
      ...serverFailure('Failure exceeds size limit.'),
      cause: truncateFailure(failure, config['limit.blobSize.warn']),
    };
    failures.push(failure);
  }
  exec.failActivity(token, failure, identity, lastHeartbeatDetails);
  return { failures };
}

/**
 * Temporal's failure.Truncate: the failure's type, source, message and stack trace (and its
 * causes, up to 20 deep) within `maxSize` bytes, without details.
 */
function truncateFailure(f: Failure, maxSize: number, depth = 20): Failure {
  const cut = (text: string | null | undefined): string => {
    const bytes = Buffer.from(text ?? '');
    // Back off to a character boundary (UTF-8 continuation bytes are 10xxxxxx).
    let end = Math.min(bytes.length, Math.max(0, maxSize));
    while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    const kept = bytes.subarray(0, end).toString();
    maxSize -= end + (end > 0 ? 4 : 0);
    return kept;
  };
  const out: Failure = {};
  const app = f.applicationFailureInfo;
  if (app) {
    out.applicationFailureInfo = { nonRetryable: app.nonRetryable, type: cut(app.type) };
    maxSize -= 8;
  } else if (f.serverFailureInfo) {
    out.serverFailureInfo = { nonRetryable: f.serverFailureInfo.nonRetryable };
    maxSize -= 4;
  }
  out.source = cut(f.source);
  out.message = cut(f.message);
  out.stackTrace = cut(f.stackTrace);
  if (f.cause && maxSize > 4 && depth > 0) out.cause = truncateFailure(f.cause, maxSize - 4, depth - 1);
  return out;
}

/** A command whose payload is over the blob size limit: the task fails with `cause` and the run is terminated. */
export interface OversizedCommand {
  cause: number;
  /** Temporal's wording: "<CAUSE>: <what> exceeds size limit." (the failure's message and the termination's reason). */
  message: string;
}

const Cause = WorkflowTaskFailedCause;

/**
 * The first command (or update message) of a completion whose payload exceeds the blob size
 * limit, with the cause and message Temporal's workflow task handler gives it; undefined if none.
 */
export function oversizedCommand(
  config: DynamicConfig,
  commands: readonly Command[],
  messages: readonly ProtocolMessage[],
): OversizedCommand | undefined {
  const found = (cause: number, what: string): OversizedCommand => ({
    cause,
    message: `${CAUSE_NAMES[cause]}: ${what} exceeds size limit.`,
  });
  const bodies = new Map(messages.map((m) => [m.id, m]));
  const checkMessage = (m: ProtocolMessage | undefined) => {
    if (!m) return undefined;
    const body = m.body as { type_url?: string; typeUrl?: string; value?: Uint8Array } | null | undefined;
    const size = body
      ? lengthDelimited(byteLength(body.type_url ?? body.typeUrl)) + lengthDelimited(byteLength(body.value))
      : 0;
    if (!blobTooLarge(config, size)) return undefined;
    const type = String(body?.type_url ?? body?.typeUrl ?? '').replace(/^.*\//, '');
    return found(Cause.BadUpdateWorkflowExecutionMessage, `Message type ${type}`);
  };
  const checked = new Set<string | null | undefined>();
  for (const c of commands) {
    let size = 0;
    let what = '';
    let cause = 0;
    switch (c.commandType) {
      case 1:
        size = payloadsSize(c.scheduleActivityTaskCommandAttributes?.input);
        [cause, what] = [Cause.BadScheduleActivityAttributes, 'ScheduleActivityTaskCommandAttributes.Input'];
        break;
      case 4:
        size = payloadsSize(c.completeWorkflowExecutionCommandAttributes?.result);
        // Temporal's handler gives this cause for an oversized result too.
        [cause, what] = [
          Cause.BadScheduleActivityAttributes,
          'CompleteWorkflowExecutionCommandAttributes.Result',
        ];
        break;
      case 5:
        size = failureSize(c.failWorkflowExecutionCommandAttributes?.failure);
        [cause, what] = [
          Cause.BadFailWorkflowExecutionAttributes,
          'FailWorkflowExecutionCommandAttributes.Failure',
        ];
        break;
      case 9:
        for (const [key, value] of Object.entries(c.recordMarkerCommandAttributes?.details ?? {}))
          size += byteLength(key) + payloadsSize(value);
        [cause, what] = [Cause.BadRecordMarkerAttributes, 'RecordMarkerCommandAttributes.Details'];
        break;
      case 10:
        size = payloadsSize(c.continueAsNewWorkflowExecutionCommandAttributes?.input);
        [cause, what] = [
          Cause.BadContinueAsNewAttributes,
          'ContinueAsNewWorkflowExecutionCommandAttributes. Input',
        ];
        break;
      case 11:
        size = payloadsSize(c.startChildWorkflowExecutionCommandAttributes?.input);
        [cause, what] = [
          Cause.BadStartChildExecutionAttributes,
          'StartChildWorkflowExecutionCommandAttributes. Input',
        ];
        break;
      case 12:
        size = payloadsSize(c.signalExternalWorkflowExecutionCommandAttributes?.input);
        [cause, what] = [
          Cause.BadSignalWorkflowExecutionAttributes,
          'SignalExternalWorkflowExecutionCommandAttributes.Input',
        ];
        break;
      case 13:
        size = dataMapSize(
          c.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes?.indexedFields,
        );
        [cause, what] = [Cause.BadSearchAttributes, 'UpsertWorkflowSearchAttributesCommandAttributes'];
        break;
      case 16:
        size = dataMapSize(c.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo?.fields);
        [cause, what] = [
          Cause.BadModifyWorkflowPropertiesAttributes,
          'ModifyWorkflowPropertiesCommandAttributes',
        ];
        break;
      case 14: {
        const id = c.protocolMessageCommandAttributes?.messageId;
        checked.add(id);
        const oversized = checkMessage(bodies.get(id ?? ''));
        if (oversized) return oversized;
        continue;
      }
      default:
        continue;
    }
    if (blobTooLarge(config, size)) return found(cause, what);
  }
  // Messages no command names (rejections) are handled after the commands.
  for (const m of messages) {
    if (checked.has(m.id)) continue;
    const oversized = checkMessage(m);
    if (oversized) return oversized;
  }
  return undefined;
}

/** The encoded size of a Failure (only failing a workflow carries one: encoding it is rare). */
function failureSize(f: Failure | null | undefined): number {
  return f ? encodeMessage('temporal.api.failure.v1.Failure', f).length : 0;
}

/** Temporal's payloadsMapSize: keys and data only. */
function dataMapSize(fields: Record<string, Payload> | null | undefined): number {
  let size = 0;
  for (const [key, value] of Object.entries(fields ?? {})) size += byteLength(key) + byteLength(value.data);
  return size;
}

/** The enum's names, as Temporal's messages print the cause. */
const CAUSE_NAMES: Record<number, string> = {
  [Cause.BadScheduleActivityAttributes]: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
  [Cause.BadRecordMarkerAttributes]: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_RECORD_MARKER_ATTRIBUTES',
  [Cause.BadFailWorkflowExecutionAttributes]:
    'WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES',
  [Cause.BadContinueAsNewAttributes]: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES',
  [Cause.BadSignalWorkflowExecutionAttributes]:
    'WORKFLOW_TASK_FAILED_CAUSE_BAD_SIGNAL_WORKFLOW_EXECUTION_ATTRIBUTES',
  [Cause.BadStartChildExecutionAttributes]: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES',
  [Cause.BadSearchAttributes]: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES',
  [Cause.BadModifyWorkflowPropertiesAttributes]:
    'WORKFLOW_TASK_FAILED_CAUSE_BAD_MODIFY_WORKFLOW_PROPERTIES_ATTRIBUTES',
  [Cause.BadUpdateWorkflowExecutionMessage]:
    'WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE',
};

import { status } from '@grpc/grpc-js';
import {
  RpcError,
  executionNotFound,
  failedPrecondition,
  invalidArgument,
  workflowCompleted,
} from '../grpc/errors';
import { decodeMessage } from '../grpc/proto';
import type {
  ProtocolMessage,
  UpdateAcceptance,
  UpdateOutcome,
  UpdateRejection,
  UpdateRequest,
  UpdateResponse,
} from '../grpc/messages';
import type { Execution } from './execution';
import { ResourceExhausted } from './enums';
import { append } from './historyBuilder';
import { scheduleWorkflowTask } from './workflowTask';

/** temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage. */
export const UpdateStage = { Unspecified: 0, Admitted: 1, Accepted: 2, Completed: 3 } as const;

interface Waiter {
  stage: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Workflow updates: admitted by the frontend, delivered in a workflow task as a protocol message,
 * then accepted (event), completed (event with the outcome) or rejected (no event). An update
 * holds its callers' waiters, so the registry (Execution.updateMap) is runtime-only; what is
 * durable of an update is its Accepted and Completed events.
 */

/**
 * One workflow update: admitted by the frontend, delivered in a workflow task as a protocol
 * message, then accepted (event), completed (event with the outcome) or rejected (no event).
 */
export class WorkflowUpdate {
  stage: number = UpdateStage.Admitted;
  outcome?: UpdateOutcome;
  acceptedEventId = 0;
  /** Set when a WorkflowExecutionUpdateAdmitted event carries the request (a reset's reapply): the worker reads it from history, so no protocol message delivers it. */
  admittedEventId = 0;
  error?: Error;
  private waiters: Waiter[] = [];

  constructor(
    readonly id: string,
    readonly request: UpdateRequest,
  ) {}

  advance(stage: number, outcome?: UpdateOutcome): void {
    if (stage <= this.stage) return;
    this.stage = stage;
    if (outcome) this.outcome = outcome;
    this.waiters = this.waiters.filter((w) => {
      if (w.stage > stage) return true;
      w.resolve();
      return false;
    });
  }

  fail(err: Error): void {
    this.error = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** Resolves once the update reached `stage` (or completed), or when `signal` aborts. */
  waitFor(stage: number, signal: AbortSignal): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.stage >= stage) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        stage,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

/** Admits an update (deduplicated by id) and makes sure a workflow task will deliver it. */
export function admitUpdate(run: Execution, update: WorkflowUpdate): WorkflowUpdate {
  const existing = run.updateMap?.get(update.id);
  if (existing) return existing;
  if (!run.isRunning) throw workflowCompleted();
  checkUpdateLimits(run);
  run.touch(() => {
    (run.updateMap ??= new Map()).set(update.id, update);
    scheduleWorkflowTask(run);
  });
  return update;
}

/**
 * Temporal's update registry limits (service/history/workflow/update/registry.go checkInFlightLimit,
 * checkTotalLimit), checked before a new update is admitted so a refusal changes nothing. The
 * registry here keeps completed updates (for deduplication) and drops rejected ones, so its size
 * is Temporal's total: in-flight plus completed after acceptance.
 */
function checkUpdateLimits(run: Execution): void {
  const config = run.host.dynamicConfig;
  const maxInFlight = config['history.maxInFlightUpdates'];
  const updates = [...(run.updateMap?.values() ?? [])];
  const inFlight = updates.filter((u) => u.stage !== UpdateStage.Completed).length;
  if (maxInFlight > 0 && inFlight >= maxInFlight) {
    throw new RpcError(
      status.RESOURCE_EXHAUSTED,
      `limit on number of concurrent in-flight updates has been reached (${maxInFlight})`,
      [
        {
          typeName: 'temporal.api.errordetails.v1.ResourceExhaustedFailure',
          value: { cause: ResourceExhausted.CauseConcurrentLimit, scope: ResourceExhausted.ScopeNamespace },
        },
      ],
    );
  }
  const maxTotal = config['history.maxTotalUpdates'];
  if (maxTotal > 0 && updates.length >= maxTotal) {
    throw failedPrecondition(
      `The limit on the total number of distinct updates in this workflow has been reached (${maxTotal}). ` +
        "Make sure any duplicate updates share an Update ID so the server can deduplicate them, and consider rejecting updates that you aren't going to process. " +
        'You can also Continue-as-New to avoid this; we recommend you check Continue-as-New Suggested in your Workflow.',
    );
  }
}

/** Whether an admitted update still waits to be delivered in a task (other than `delivered`). */
export function hasUndeliveredUpdates(run: Execution, delivered?: Set<string>): boolean {
  if (!run.updateMap) return false;
  for (const u of run.updateMap.values())
    if (u.stage === UpdateStage.Admitted && !u.admittedEventId && !delivered?.has(u.id)) return true;
  return false;
}

/** A protocol message of a completion, its body decoded by kind. */
export type DecodedMessage = { protocolInstanceId: string } & (
  | { kind: 'acceptance'; body: UpdateAcceptance }
  | { kind: 'rejection'; body: UpdateRejection }
  | { kind: 'response'; body: UpdateResponse }
  | { kind: 'other'; body: object }
);
/** By message id, as the completion's ProtocolMessage commands name them (unset ids included). */
export type DecodedMessages = Map<string | null | undefined, DecodedMessage>;

const MESSAGE_KINDS: Record<string, DecodedMessage['kind']> = {
  'temporal.api.update.v1.Acceptance': 'acceptance',
  'temporal.api.update.v1.Rejection': 'rejection',
  'temporal.api.update.v1.Response': 'response',
};

/** Decodes the protocol messages of a completion (update acceptances, rejections, responses). */
export function decodeProtocolMessages(messages: ProtocolMessage[]): DecodedMessages {
  const out: DecodedMessages = new Map();
  messages.forEach((m, i) => {
    // google.protobuf.Any keeps its snake_case field name in the SDK's root; other clients may not.
    const typeUrl = m.body?.type_url ?? (m.body as { typeUrl?: string } | null | undefined)?.typeUrl;
    const typeName = String(typeUrl ?? '').replace(/^.*\//, '');
    const kind = MESSAGE_KINDS[typeName] ?? 'other';
    let body: object = {};
    if (kind !== 'other') {
      try {
        body = decodeMessage(typeName, m.body?.value ?? Buffer.alloc(0));
      } catch {
        throw invalidArgument(`messages[${i}].body is not a valid ${typeName}.`);
      }
    }
    // The body was decoded as the message type its kind names.
    out.set(m.id, { kind, protocolInstanceId: m.protocolInstanceId ?? '', body } as DecodedMessage);
  });
  return out;
}

/** An acceptance or a response of the completion (the ProtocolMessage command names it). */
export function applyProtocolMessage(run: Execution, m: DecodedMessage): void {
  const update = run.updateMap?.get(m.protocolInstanceId);
  if (m.kind === 'acceptance') {
    const acceptedEventId = append(run, 'WorkflowExecutionUpdateAccepted', {
      protocolInstanceId: m.protocolInstanceId,
      acceptedRequestMessageId: m.body.acceptedRequestMessageId,
      acceptedRequestSequencingEventId: m.body.acceptedRequestSequencingEventId,
      acceptedRequest: m.body.acceptedRequest ?? update?.request,
    });
    if (update) {
      update.acceptedEventId = acceptedEventId;
      update.advance(UpdateStage.Accepted);
    }
  } else if (m.kind === 'response') {
    append(run, 'WorkflowExecutionUpdateCompleted', {
      meta: m.body.meta,
      acceptedEventId: update?.acceptedEventId ?? 0,
      outcome: m.body.outcome,
    });
    update?.advance(UpdateStage.Completed, m.body.outcome ?? undefined);
  }
}

/** A rejection needs no command: the update simply ends, leaving no trace in history. */
export function rejectUpdate(run: Execution, rejection: UpdateRejection): void {
  const id: string =
    rejection.rejectedRequest?.meta?.updateId ??
    `${rejection.rejectedRequestMessageId}`.replace(/\/request$/, '');
  const update = run.updateMap?.get(id);
  if (!update) return;
  // Its id may be used again.
  run.updateMap!.delete(id);
  update.advance(UpdateStage.Completed, { failure: rejection.failure });
}

/**
 * The run closed (Temporal's update registry aborted with AbortReasonWorkflowCompleted): an
 * accepted update completes with a failure outcome, which its callers get as
 * WorkflowUpdateFailedError; one not yet accepted is dropped with NOT_FOUND.
 */
export function abortUpdates(run: Execution): void {
  if (!run.updateMap) return;
  for (const [id, u] of run.updateMap) {
    if (u.stage === UpdateStage.Accepted) {
      u.advance(UpdateStage.Completed, { failure: ACCEPTED_UPDATE_COMPLETED_WORKFLOW });
    } else if (u.stage !== UpdateStage.Completed) {
      run.updateMap.delete(id);
      u.fail(executionNotFound('workflow update was aborted by closing workflow'));
    }
  }
}

/** The failure Temporal's server gives an accepted update whose workflow closed. */
const ACCEPTED_UPDATE_COMPLETED_WORKFLOW = {
  message: 'Workflow Update failed because the Workflow completed before the Update completed.',
  source: 'Server',
  applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
};

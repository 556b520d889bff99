import { requireString } from '../grpc/errors';
import type { WorkflowServiceHandlers } from '../grpc/messages';
import type { DevServer } from '../server';
import type { Execution } from '../state/execution';
import { completeActivityWithinLimit } from '../state/sizeLimits';

/**
 * The ...ById activity calls (the client's AsyncCompletionClient given a workflow id, run id and
 * activity id instead of a task token): the same completion, failure, cancellation and heartbeat
 * as with the token, applied to the activity's current attempt.
 */
export function activityByIdHandlers(server: DevServer): WorkflowServiceHandlers {
  const target = (req: {
    namespace?: string | null;
    workflowId?: string | null;
    runId?: string | null;
    activityId?: string | null;
  }): { exec: Execution; activityId: string } => {
    const ns = server.checkNamespace(req.namespace);
    const workflowId = requireString(req.workflowId, 'WorkflowId');
    const activityId = requireString(req.activityId, 'ActivityId');
    return { exec: server.findExecution(ns, { workflowId, runId: req.runId ?? '' }), activityId };
  };
  return {
    RespondActivityTaskCompletedById: (req) => {
      const { exec, activityId } = target(req);
      const identity = req.identity ?? '';
      const token = exec.activityTokenById(activityId, identity, true);
      completeActivityWithinLimit(server.dynamicConfig, exec, token, req.result, identity);
      return {};
    },
    RespondActivityTaskFailedById: (req) => {
      const { exec, activityId } = target(req);
      const identity = req.identity ?? '';
      const token = exec.activityTokenById(activityId, identity, true);
      exec.failActivity(token, req.failure, identity, req.lastHeartbeatDetails);
      return {};
    },
    RespondActivityTaskCanceledById: (req) => {
      const { exec, activityId } = target(req);
      const identity = req.identity ?? '';
      exec.cancelActivity(exec.activityTokenById(activityId, identity, true), req.details, identity);
      return {};
    },
    RecordActivityTaskHeartbeatById: (req) => {
      const { exec, activityId } = target(req);
      return exec.heartbeatActivity(
        exec.activityTokenById(activityId, req.identity ?? '', false),
        req.details,
      );
    },
  };
}

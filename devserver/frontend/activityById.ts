import { requireString } from '../grpc/errors';
import type { WorkflowServiceHandlers } from '../grpc/messages';
import type { DevServer } from '../server';
import type { Execution } from '../state/execution';
import {
  cancelActivityWithinLimit,
  completeActivityWithinLimit,
  failActivityWithinLimit,
  heartbeatWithinLimit,
} from '../state/sizeLimits';

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
      return failActivityWithinLimit(
        server.dynamicConfig,
        exec,
        token,
        req.failure,
        identity,
        req.lastHeartbeatDetails,
      );
    },
    RespondActivityTaskCanceledById: (req) => {
      const { exec, activityId } = target(req);
      const identity = req.identity ?? '';
      const token = exec.activityTokenById(activityId, identity, true);
      cancelActivityWithinLimit(server.dynamicConfig, exec, token, req.details, identity);
      return {};
    },
    RecordActivityTaskHeartbeatById: (req) => {
      const { exec, activityId } = target(req);
      const identity = req.identity ?? '';
      const token = exec.activityTokenById(activityId, identity, false);
      return heartbeatWithinLimit(server.dynamicConfig, exec, token, req.details, identity);
    },
  };
}

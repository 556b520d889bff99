import { invalidArgument } from '../grpc/errors';
import type { DurationMessage, WorkflowServiceHandlers } from '../grpc/messages';
import { durationMs } from '../history/events';
import type { DevServer } from '../server';
import { updateActivityOptions } from '../state/activityOptions';
import {
  pauseActivities,
  resetActivities,
  unpauseActivities,
  type ActivitySelector,
} from '../state/activityPause';

/**
 * PauseActivity, UnpauseActivity, ResetActivity and UpdateActivityOptions (`temporal activity
 * pause|unpause|reset|update-options`): the request names a workflow and, in its `activity` oneof,
 * one activity by id, all of a type, or all.
 */
export function activityPauseHandlers(server: DevServer): WorkflowServiceHandlers {
  return {
    PauseActivity: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const which = selector(req);
      pauseActivities(server.findExecution(ns, req.execution), which, {
        identity: req.identity ?? '',
        reason: req.reason ?? '',
        requestId: req.requestId ?? '',
      });
      return {};
    },
    UnpauseActivity: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const which = selector(req, req.unpauseAll);
      unpauseActivities(server.findExecution(ns, req.execution), which, {
        resetAttempts: !!req.resetAttempts,
        resetHeartbeat: !!req.resetHeartbeat,
        jitterMs: jitterMs(req.jitter),
      });
      return {};
    },
    ResetActivity: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const which = selector(req, req.matchAll);
      const exec = server.findExecution(ns, req.execution);
      if (req.restoreOriginalOptions)
        updateActivityOptions(exec, which, { paths: [], restoreOriginal: true });
      resetActivities(exec, which, {
        resetHeartbeat: !!req.resetHeartbeat,
        keepPaused: !!req.keepPaused,
        jitterMs: jitterMs(req.jitter),
      });
      return {};
    },
    UpdateActivityOptions: (req) => {
      const ns = server.checkNamespace(req.namespace);
      const which = selector(req, req.matchAll);
      const activityOptions = updateActivityOptions(server.findExecution(ns, req.execution), which, {
        options: req.activityOptions,
        paths: req.updateMask?.paths ?? [],
        restoreOriginal: !!req.restoreOriginal,
      });
      return { activityOptions };
    },
  };
}

/** The `activity` oneof (the wire keeps only the last of its fields, as for Temporal's frontend). */
function selector(req: { id?: string | null; type?: string | null }, all?: boolean | null): ActivitySelector {
  if (req.id) return { id: req.id };
  if (req.type) return { type: req.type };
  if (all) return { all: true };
  throw invalidArgument('Either Activity.Id or Activity.Type should be set on request.');
}

function jitterMs(jitter: DurationMessage | null | undefined): number {
  const ms = durationMs(jitter);
  if (ms < 0) throw invalidArgument('Jitter must not be negative.');
  return ms;
}

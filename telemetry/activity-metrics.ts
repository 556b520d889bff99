// The worker's product metrics, read off each activity attempt by an inbound interceptor rather
// than counted inside the activities: their inputs and results say everything the metrics need
// (the transitions a projection stores, the email a sendEmail sent, the panel call's outcome), and
// the activities stay free of metrics code.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptors,
  Next,
} from '@temporalio/worker';
import type { SendEmailRequest } from '../activities/contract';
import type { ProjectedView, TransitionEntry } from '../workflows/contract';
import {
  activityDuration,
  activityExecutions,
  emailsFailed,
  emailsSent,
  orderTransitions,
  projectionLag,
  projectionsFailed,
  provisioningAttempts,
  refusals,
} from './metrics';

type Outcome = 'completed' | 'failed' | 'cancelled';

const PROVISIONING_ACTIVITIES = new Set(['createAccount', 'activateProduct']);

function outcomeOf(error: unknown): Outcome {
  return error instanceof CancelledFailure ? 'cancelled' : 'failed';
}

/** What one attempt of an activity means for the product's metrics, by activity type. */
function recordProductMetrics(
  activity: string,
  args: unknown[],
  outcome: Outcome,
  result: unknown,
  error: unknown,
): void {
  if (PROVISIONING_ACTIVITIES.has(activity)) {
    provisioningAttempts.inc({ activity, outcome });
  } else if (activity === 'sendEmail') {
    const template = String((args[0] as SendEmailRequest | undefined)?.template ?? 'unknown');
    // {sent: false}: sent by an earlier attempt, and counted then.
    if ((result as { sent?: boolean } | undefined)?.sent === true) emailsSent.inc({ template });
    else if (outcome === 'failed') emailsFailed.inc({ template });
  } else if (activity === 'projectOrder') {
    const kind = String((args[0] as ProjectedView | undefined)?.kind ?? 'unknown');
    if (outcome === 'completed') {
      recordProjected(kind, (args[1] as readonly TransitionEntry[] | undefined) ?? []);
    } else if (error instanceof ApplicationFailure && error.nonRetryable) {
      // projectOrder fails without retry only once it has given up for good (and recorded it).
      projectionsFailed.inc({ kind });
    }
  }
}

function recordProjected(kind: string, entries: readonly TransitionEntry[]): void {
  const now = Date.now();
  let newest: number | undefined;
  for (const entry of entries) {
    // The order's own steps; a service's (entry.subject) show in the provisioning series.
    if (entry.outcome === 'accepted' && entry.to && !entry.subject)
      orderTransitions.inc({ kind, status: entry.to });
    else if (entry.outcome === 'refused')
      refusals.inc({ source: 'workflow', code: entry.refusal ?? 'unknown' });
    const at = Date.parse(entry.at);
    if (Number.isFinite(at)) newest = Math.max(newest ?? at, at);
  }
  // Workflow time may run ahead of the wall clock on a time-skipping server: never negative.
  if (newest !== undefined) projectionLag.observe(Math.max(0, (now - newest) / 1000));
}

class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: Context) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const { activityType: activity, taskQueue } = this.ctx.info;
    const started = process.hrtime.bigint();
    const done = (outcome: Outcome, result?: unknown, error?: unknown): void => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      activityExecutions.inc({ activity, task_queue: taskQueue, outcome });
      activityDuration.observe({ activity, outcome }, seconds);
      recordProductMetrics(activity, input.args, outcome, result, error);
    };
    try {
      const result = await next(input);
      done('completed', result);
      return result;
    } catch (error) {
      done(outcomeOf(error), undefined, error);
      throw error;
    }
  }
}

/** For WorkerOptions.interceptors.activity. */
export function activityMetricsInterceptors(ctx: Context): ActivityInterceptors {
  return { inbound: new ActivityMetricsInterceptor(ctx) };
}

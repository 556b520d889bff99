import { proxyActivities, type ActivityFailure } from '@temporalio/workflow';
import type { OrderActivities, ProvisioningActivities } from '../../activities/contract';
import { PROVISIONING_TASK_QUEUE, type ProvisioningOptions } from '../contract';

/** Projection and email run on the workflow's own task queue and retry until they succeed (both idempotent). */
export const orderActivities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Provisioning runs on its own task queue with a bounded number of attempts, after which the service fails. */
export function provisioningActivities(options: ProvisioningOptions = {}): ProvisioningActivities {
  return proxyActivities<ProvisioningActivities>({
    taskQueue: options.taskQueue ?? PROVISIONING_TASK_QUEUE,
    startToCloseTimeout: options.startToCloseTimeoutMs ?? 60_000,
    // The activities heartbeat while the panel works, so a worker that dies mid-call is noticed
    // in seconds, not at the end of the attempt's minute.
    heartbeatTimeout: options.heartbeatTimeoutMs ?? 10_000,
    retry: {
      initialInterval: options.initialIntervalMs ?? 1_000,
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: options.maximumAttempts ?? 5,
    },
  });
}

/**
 * Long enough for any panel's answer, and well within the domain's limit on a reason (2,000
 * characters): a longer one (a database error with its query, say) would make the domain refuse
 * the workflow's own `fail` step, and the service or order would never show as failed.
 */
export const FAILURE_MESSAGE_MAX = 1_000;

/** The last attempt's error, as admins should read it. */
export function failureMessage(failure: ActivityFailure): string {
  const message = (failure.cause?.message || failure.message || '').trim();
  if (message.length === 0) return 'provisioning failed';
  return message.length <= FAILURE_MESSAGE_MAX ? message : `${message.slice(0, FAILURE_MESSAGE_MAX - 1)}…`;
}

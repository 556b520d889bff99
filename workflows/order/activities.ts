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

/** The last attempt's error, as admins should read it. */
export function failureMessage(failure: ActivityFailure): string {
  const message = failure.cause?.message || failure.message;
  return message && message.trim().length > 0 ? message : 'provisioning failed';
}

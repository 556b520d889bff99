// What the activity interceptor counts for outcomes an order's happy path does not reach: a
// projection given up for good, an email that failed and one already sent, a cancelled attempt.
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { activityMetricsInterceptors } from '../../telemetry/activity-metrics';
import { registry } from '../../telemetry/metrics';
import { sampleSum } from './prometheus-text';

async function run(activityType: string, args: unknown[], outcome: () => Promise<unknown>): Promise<void> {
  const ctx = { info: { activityType, taskQueue: 'orders' } } as unknown as Context;
  const { inbound } = activityMetricsInterceptors(ctx);
  const input = { args, headers: {} } as unknown as ActivityExecuteInput;
  await inbound!.execute!(input, outcome).catch(() => undefined);
}

const value = async (name: string, labels: Record<string, string>) =>
  sampleSum(await registry.metrics(), name, labels);

test('a projection that fails without retry counts as failed for good; a retryable failure does not', async () => {
  const view = { kind: 'checkout', orderId: 'o-1' };
  await run('projectOrder', [view, []], async () => {
    throw new Error('connection reset');
  });
  expect(await value('orders_projection_failed_total', { kind: 'checkout' })).toBe(0);
  await run('projectOrder', [view, []], async () => {
    throw ApplicationFailure.nonRetryable('could not be stored', 'ProjectionFailed');
  });
  expect(await value('orders_projection_failed_total', { kind: 'checkout' })).toBe(1);
  expect(
    await value('orders_activity_executions_total', { activity: 'projectOrder', outcome: 'failed' }),
  ).toBe(2);
});

test('emails: sent once, not again when an earlier attempt sent it, failed when the send throws', async () => {
  const request = { orderId: 'o-1', template: 'payment_receipt', to: { admins: true } };
  await run('sendEmail', [request], async () => ({ sent: true }));
  await run('sendEmail', [request], async () => ({ sent: false }));
  await run('sendEmail', [request], async () => {
    throw new Error('SMTP 421');
  });
  expect(await value('orders_emails_sent_total', { template: 'payment_receipt' })).toBe(1);
  expect(await value('orders_emails_failed_total', { template: 'payment_receipt' })).toBe(1);
});

test('a cancelled attempt is neither completed nor failed', async () => {
  await run('createAccount', [{}], async () => {
    throw new CancelledFailure('worker shutdown');
  });
  expect(
    await value('orders_provisioning_attempts_total', { activity: 'createAccount', outcome: 'cancelled' }),
  ).toBe(1);
  expect(await value('orders_activity_duration_seconds_count', { activity: 'createAccount' })).toBe(1);
});

test('refused transitions count by their refusal code, accepted ones by the status reached', async () => {
  const entries = [
    {
      sequence: 1,
      action: 'create',
      from: null,
      to: 'pending',
      outcome: 'accepted',
      at: new Date().toISOString(),
    },
    {
      sequence: 2,
      action: 'approve',
      from: 'pending',
      to: null,
      outcome: 'refused',
      refusal: 'status_not_allowed',
      at: new Date().toISOString(),
    },
    {
      sequence: 3,
      action: 'activate',
      from: 'pending',
      to: 'active',
      outcome: 'accepted',
      subject: 'svc-1',
      at: new Date().toISOString(),
    },
  ];
  await run('projectOrder', [{ kind: 'sales' }, entries], async () => undefined);
  expect(await value('orders_transitions_total', { kind: 'sales', status: 'pending' })).toBe(1);
  // A service's step is not the order's.
  expect(await value('orders_transitions_total', { kind: 'sales', status: 'active' })).toBe(0);
  expect(await value('orders_refusals_total', { source: 'workflow', code: 'status_not_allowed' })).toBe(1);
  expect(await value('orders_projection_lag_seconds_count', {})).toBe(1);
});

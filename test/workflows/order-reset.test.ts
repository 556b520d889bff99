import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { Actor } from '../../domain';
import type { checkoutOrder } from '../../workflows';
import { useWorkflowTestEnv, statusWhen, status, orderIdOf } from './support/environment';
import { startCheckout } from './support/scenarios';

/**
 * An operator resets a stuck order as `temporal workflow reset --type LastWorkflowTask` does
 * (ResetWorkflowExecution to the last completed workflow task): the order's new run replays to
 * where it was, with nothing done twice (no second email, projection still in agreement), and
 * goes on taking signals to its end.
 */
const admin: Actor = { role: 'admin', id: 'admin-1' };
const webhook: Actor = { role: 'system', id: 'payments-webhook' };
const payment = { actor: webhook, fields: { amountCents: 2500, reference: 'txn-1' } };
const EventType = temporal.api.enums.v1.EventType;

const t = useWorkflowTestEnv();

it('a paid order waiting for approval, reset to its last workflow task, keeps its state and completes once approved', async () => {
  const handle = await startCheckout(t, { autoApprove: false });
  await handle.signal('pay', payment);
  // Settled: paid, its activities (projection, emails) done, no workflow task pending.
  await statusWhen(
    async () => ({ view: await status(handle), d: (await handle.describe()).raw }),
    ({ view, d }) =>
      view.invoice?.status === 'paid' && !d.pendingActivities?.length && !d.pendingWorkflowTask,
  );
  const before = await status(handle);
  const events = (await handle.fetchHistory()).events ?? [];
  const lastTask = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).at(-1)!;
  const emailsBefore = t.observed.emailsFor(orderIdOf(handle));

  const { runId } = await t.env.client.workflowService.resetWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId: handle.workflowId },
    reason: 'stuck order, reset by an operator',
    workflowTaskFinishEventId: lastTask.eventId,
    requestId: randomUUID(),
  });
  const current = t.env.client.workflow.getHandle<typeof checkoutOrder>(handle.workflowId);
  expect((await current.describe()).runId).toBe(runId);
  expect(await status(current)).toEqual(before);

  await current.signal('approve', { actor: admin });
  const view = await current.result();
  expect(view.status).toBe('active');
  expect(view.transitions.filter((e) => e.outcome === 'accepted').map((e) => e.action)).toEqual([
    'create',
    'pay',
    'approve',
    'activate',
    'activate',
  ]);
  // What ran before the reset point ran once; the rest ran in the new run.
  const emails = t.observed.emailsFor(orderIdOf(handle));
  expect(emails.slice(0, emailsBefore.length)).toEqual(emailsBefore);
  expect(emails.filter((e) => e === 'payment_receipt')).toHaveLength(1);
});

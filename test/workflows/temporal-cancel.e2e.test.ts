// A cancellation requested on the Temporal server (`temporal workflow cancel`, the UI's Request
// Cancellation) is an operator asking for the lifecycle's `cancel`: decided like an admin's, recorded
// either way, and the projection follows. Before, it cancelled the effects loop and failed every
// workflow task from then on.
import type { Actor } from '../../domain';
import { orderWorkflowId, type ServiceOrderInput } from '../../workflows/contract';
import { TEMPORAL_OPERATOR } from '../../workflows/order/runtime';
import { orderIdOf, status, statusWhen, useWorkflowTestEnv } from './support/environment';
import { startCheckout } from './support/scenarios';

const t = useWorkflowTestEnv();

test('a pending checkout cancelled on the Temporal server is cancelled by its lifecycle and projected', async () => {
  const handle = await startCheckout(t);
  await statusWhen(
    () => status(handle),
    (v) => v.status === 'pending',
  );
  await handle.cancel();

  const view = await handle.result();
  expect(view.status).toBe('cancelled');
  expect(view.transitions.at(-1)).toMatchObject({
    action: 'cancel',
    outcome: 'accepted',
    actor: TEMPORAL_OPERATOR,
    to: 'cancelled',
  });
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  const row = await t.observed.projectedOrder(orderIdOf(handle));
  expect(row?.status).toBe('cancelled');
  expect(row?.auditEntries.map((e) => e.sequence)).toEqual(view.transitions.map((e) => e.sequence));
});

test('where the lifecycle gives admins no cancel, the request is refused and recorded, and the order goes on', async () => {
  const isv: Actor = { role: 'isv', id: 'isv-c' };
  const merchant: Actor = { role: 'merchant', id: 'm-c' };
  const orderId = t.id('svc');
  const input: ServiceOrderInput = {
    orderId,
    listingId: 'l-1',
    isvId: isv.id,
    merchantId: merchant.id,
    createdBy: merchant,
  };
  const handle = await t.env.client.workflow.start('serviceOrder', {
    args: [input],
    taskQueue: t.taskQueue,
    workflowId: orderWorkflowId(orderId),
  });
  await statusWhen(
    () => status(handle),
    (v) => v.status === 'new_order',
  );
  await handle.cancel();

  const refused = await statusWhen(
    () => status(handle),
    (v) => v.transitions.some((e) => e.outcome === 'refused'),
  );
  expect(refused.status).toBe('new_order');
  expect(refused.transitions.at(-1)).toMatchObject({
    action: 'cancel',
    outcome: 'refused',
    actor: TEMPORAL_OPERATOR,
  });
  // Still running and still deciding: the ISV accepts as before.
  await handle.signal('accept', { actor: isv });
  expect(
    (
      await statusWhen(
        () => status(handle),
        (v) => v.status === 'pending_confirmation',
      )
    ).status,
  ).toBe('pending_confirmation');
  expect((await handle.describe()).status.name).toBe('RUNNING');
  // And ends by its lifecycle (the projection check after each test then sees every entry).
  await handle.signal('reject', { actor: merchant, fields: { reason: 'no longer needed' } });
  expect((await handle.result()).status).toBe('canceled');
});

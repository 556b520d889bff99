import type { Actor } from '../../../domain';
import type { CheckoutOrderInput } from '../../../workflows/contract';
import { orderIdOf, status, statusWhen, type WorkflowTestEnv } from './environment';
import { startCheckout } from './scenarios';

const client: Actor = { role: 'client', id: 'client-7' };
const admin: Actor = { role: 'admin', id: 'admin-1' };
const webhook: Actor = { role: 'system', id: 'payments-webhook' };
const payment = { actor: webhook, fields: { amountCents: 2500, reference: 'txn-1' } };

/**
 * A checkout waiting long (a failed service waiting for an admin) whose history fills with refused
 * signals hands its state to a new run; the paid invoice, the failed service, the audit trail and
 * the emails go on. What makes it continue as new is the caller's: the input's `historyLimit`,
 * or the server's suggestion (`workflowInfo().continueAsNewSuggested`).
 */
export async function checkoutHandsOverItsState(
  t: WorkflowTestEnv,
  extra: Partial<CheckoutOrderInput> = {},
): Promise<void> {
  t.observed.failingProducts.add('vps-flaky');
  try {
    const handle = await startCheckout(t, { autoApprove: true }, 'vps-flaky', client, extra);
    const orderId = orderIdOf(handle);
    const firstRunId = (await handle.describe()).runId;
    await handle.signal('pay', payment);
    await statusWhen(
      () => status(handle),
      (v) => v.services.some((s) => s.status === 'failed'),
    );
    // While the failed service waits for an admin, refused signals fill the history.
    for (let i = 0; i < 15; i += 1) await handle.signal('pay', payment);
    await statusWhen(
      async () => (await handle.describe()).runId,
      (runId) => runId !== firstRunId,
    );
    const carried = await status(handle);
    expect(carried).toMatchObject({
      status: 'active',
      invoice: { status: 'paid', paidAmountCents: 2500, paymentReference: 'txn-1' },
    });
    expect(carried.services.find((s) => s.orderItemId === 'host')).toMatchObject({
      status: 'failed',
      attempts: 1,
    });

    t.observed.failingProducts.delete('vps-flaky');
    await handle.signal('retry', { actor: admin });
    const view = await handle.result();
    expect(view.services.map((s) => [s.orderItemId, s.status])).toEqual([
      ['host', 'active'],
      ['ssl', 'active'],
    ]);
    expect(view.services.find((s) => s.orderItemId === 'host')).toMatchObject({ attempts: 2 });
    expect(view.transitions.map((e) => e.sequence)).toEqual(view.transitions.map((_e, i) => i + 1));
    expect(view.transitions.filter((e) => e.action === 'pay' && e.outcome === 'refused')).toHaveLength(15);
    expect(t.observed.emailsFor(orderId)).toEqual([
      'order_confirmation',
      'payment_receipt',
      'welcome',
      'admin_provisioning_failed',
      'welcome',
    ]);
  } finally {
    t.observed.failingProducts.delete('vps-flaky');
  }
}

import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import type { Actor } from '../../domain';
import { orderWorkflowId, type CheckoutSettings } from '../../workflows/contract';
import { DAY_MS, useWorkflowTestEnv, statusWhen, status, orderIdOf } from './support/environment';
import { checkoutHandsOverItsState } from './support/checkout-hand-over';
import { startCheckout } from './support/scenarios';

const client: Actor = { role: 'client', id: 'client-7' };
const admin: Actor = { role: 'admin', id: 'admin-1' };
const webhook: Actor = { role: 'system', id: 'payments-webhook' };
const payment = { actor: webhook, fields: { amountCents: 2500, reference: 'txn-1' } };

const t = useWorkflowTestEnv();

const start = (settings: Partial<CheckoutSettings> = {}, hostingProduct?: string) =>
  startCheckout(t, settings, hostingProduct, client);

const keyword = (name: string) => defineSearchAttributeKey(name, 'KEYWORD');

describe('checkout workflow', () => {
  it('paid before the due date with auto-approve on: active, each service provisioned, a welcome for each', async () => {
    const handle = await start();
    expect(await status(handle)).toMatchObject({ status: 'pending', invoice: { status: 'unpaid' } });
    await handle.signal('pay', payment);
    const view = await handle.result();
    expect(view.status).toBe('active');
    expect(view.invoice).toMatchObject({ status: 'paid', paidAmountCents: 2500, paymentReference: 'txn-1' });
    expect(view.services.map((s) => [s.orderItemId, s.status])).toEqual([
      ['host', 'active'],
      ['ssl', 'active'],
    ]);
    expect(view.services[0]?.externalAccountId).toBe(`acct-${orderIdOf(handle)}-service-1`);
    // Only the hosting item got a CreateAccount job.
    expect(t.observed.provisioningCalls.filter((c) => c.startsWith(orderIdOf(handle)))).toEqual([
      `${orderIdOf(handle)}-service-1`,
    ]);
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
      'order_confirmation',
      'payment_receipt',
      'welcome',
      'welcome',
    ]);
    const row = await t.observed.projectedOrder(orderIdOf(handle));
    expect(row?.status).toBe('active');
    expect(row?.auditEntries.map((e) => e.sequence)).toEqual(view.transitions.map((e) => e.sequence));
    expect(t.observed.overlappingProjection).toBe(false);
    const { typedSearchAttributes } = await handle.describe();
    expect(typedSearchAttributes.get(keyword('OrderStatus'))).toBe('active');
    expect(typedSearchAttributes.get(keyword('OrderKind'))).toBe('checkout');
    expect(typedSearchAttributes.get(keyword('CustomerId'))).toBe(client.id);
  });
});

describe('checkout workflow: approval', () => {
  it('auto-approve off: stays pending once paid, emails the admins, an admin approves', async () => {
    const handle = await start({ autoApprove: false });
    await handle.signal('pay', payment);
    const paid = await status(handle);
    expect(paid).toMatchObject({ status: 'pending', invoice: { status: 'paid' } });
    await handle.signal('approve', { actor: admin });
    const view = await handle.result();
    expect(view.status).toBe('active');
    expect(view.transitions.filter((e) => e.outcome === 'accepted').map((e) => e.action)).toEqual([
      'create',
      'pay',
      'approve',
      'activate',
      'activate',
    ]);
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
      'order_confirmation',
      'payment_receipt',
      'admin_order_awaiting_review',
      'welcome',
      'welcome',
    ]);
  });

  it('an email the mail server refuses for good is recorded, and the order goes on', async () => {
    t.observed.rejectRecipient('admins@example.test');
    try {
      const handle = await start({ autoApprove: false });
      await handle.signal('pay', payment);
      // The admins' notice is refused (550): the workflow must still take the approval.
      await statusWhen(
        () => t.observed.refusedEmailsFor(orderIdOf(handle)),
        (refused) => refused.length > 0,
      );
      await handle.signal('approve', { actor: admin });
      const view = await handle.result();
      expect(view.status).toBe('active');
      expect(t.observed.emailsFor(orderIdOf(handle))).toEqual([
        'order_confirmation',
        'payment_receipt',
        'welcome',
        'welcome',
      ]);
      expect(await t.observed.refusedEmailsFor(orderIdOf(handle))).toEqual([
        { template: 'admin_order_awaiting_review', lastError: expect.stringMatching(/550|unavailable/) },
      ]);
    } finally {
      t.observed.acceptRecipient('admins@example.test');
    }
  });

  it('admin reject as fraud: fraud, no services, unpaid invoice cancelled', async () => {
    const handle = await start({ autoApprove: false });
    await handle.signal('reject', {
      actor: admin,
      fields: { reason: 'card reported stolen', outcome: 'fraud' },
    });
    const view = await handle.result();
    expect(view).toMatchObject({
      status: 'fraud',
      statusReason: 'card reported stolen',
      invoice: { status: 'cancelled' },
    });
    expect(view.services).toEqual([]);
    expect(t.observed.emailsFor(orderIdOf(handle))).toEqual(['order_confirmation']);
  });

  it('client cancel while pending', async () => {
    const handle = await start();
    await handle.signal('cancel', { actor: client });
    expect((await handle.result()).status).toBe('cancelled');
  });
});

describe('checkout workflow: invoice due date', () => {
  it('unpaid at the due date with auto-cancel on: expire_invoice cancels order and invoice at the due date', async () => {
    const handle = await start({ invoiceDueDays: 30 });
    const created = await status(handle);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'cancelled', invoice: { status: 'cancelled' } });
    const expiry = view.transitions.at(-1);
    expect(expiry).toMatchObject({ action: 'expire_invoice', actor: { role: 'system' }, to: 'cancelled' });
    expect(Date.parse(expiry!.at) - Date.parse(created.createdAt)).toBeGreaterThanOrEqual(30 * DAY_MS);
    expect(Date.parse(expiry!.at)).toBeGreaterThanOrEqual(Date.parse(created.invoice!.dueAt));
  });

  it('unpaid at the due date with auto-cancel off: stays pending, invoice overdue; a later payment is accepted', async () => {
    const handle = await start({ autoCancelOnExpiry: false });
    const created = await status(handle);
    await t.env.sleep(Date.parse(created.invoice!.dueAt) - (await t.env.currentTimeMs()) + 1000);
    expect(await status(handle)).toMatchObject({
      status: 'pending',
      invoice: { status: 'unpaid', overdue: true },
    });
    await handle.signal('pay', payment);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'active', invoice: { status: 'paid', overdue: false } });
  });

  it('payment one second before the due date cancels the expiry', async () => {
    const handle = await start();
    const created = await status(handle);
    await t.env.sleep(Date.parse(created.invoice!.dueAt) - (await t.env.currentTimeMs()) - 1000);
    await handle.signal('pay', payment);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'active', invoice: { status: 'paid' } });
    expect(view.transitions.some((e) => e.action === 'expire_invoice')).toBe(false);
    expect(Date.parse(view.invoice!.paidAt!)).toBeLessThan(Date.parse(view.invoice!.dueAt));
  });

  it('payment one second after an auto-cancel is refused', async () => {
    const handle = await start();
    const created = await status(handle);
    await t.env.sleep(Date.parse(created.invoice!.dueAt) - (await t.env.currentTimeMs()) + 1000);
    expect(await status(handle)).toMatchObject({ status: 'cancelled', invoice: { status: 'cancelled' } });
    // A cancelled order can do nothing more, so its workflow ends (once its projection is written)
    // and the server refuses the signal.
    await statusWhen(
      async () => (await handle.describe()).status.name,
      (name) => name !== 'RUNNING',
    );
    await expect(handle.signal('pay', payment)).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const view = await handle.result();
    expect(view).toMatchObject({ status: 'cancelled', invoice: { status: 'cancelled' } });
    expect(view.transitions.some((e) => e.action === 'pay')).toBe(false);
  });
});

describe('checkout workflow: provisioning', () => {
  it('a provisioning failure exhausting retries marks the service failed and emails admins; admin retry provisions again', async () => {
    t.observed.failingProducts.add('vps-broken');
    const handle = await start({}, 'vps-broken');
    const orderId = orderIdOf(handle);
    await handle.signal('pay', payment);
    const failed = await statusWhen(
      () => status(handle),
      (v) => v.services.some((s) => s.status === 'failed'),
    );
    expect(failed.status).toBe('active');
    expect(failed.services.find((s) => s.orderItemId === 'host')).toMatchObject({
      status: 'failed',
      lastError: 'panel refused to create an account for product vps-broken',
      attempts: 1,
    });
    expect(t.observed.provisioningCalls.filter((c) => c === `${orderId}-service-1`)).toHaveLength(2);
    await statusWhen(
      async () => t.observed.emailsFor(orderId),
      (emails) => emails.includes('admin_provisioning_failed'),
    );

    t.observed.failingProducts.delete('vps-broken');
    await handle.signal('retry', { actor: admin });
    const view = await handle.result();
    expect(view.services.find((s) => s.orderItemId === 'host')).toMatchObject({
      status: 'active',
      attempts: 2,
    });
    expect(view.services.find((s) => s.orderItemId === 'host')).not.toHaveProperty('lastError');
    // The ssl service's welcome, the failure, then the host's welcome after the retry.
    expect(t.observed.messagesFor(orderId).map((m) => [m.template, m.key])).toEqual([
      ['order_confirmation', undefined],
      ['payment_receipt', undefined],
      ['welcome', 'ssl'],
      ['admin_provisioning_failed', 'host.1'],
      ['welcome', 'host'],
    ]);
  });
});

describe('checkout workflow: refused signals', () => {
  it('out-of-order and duplicate signals are refused and change nothing', async () => {
    const handle = await start({ autoApprove: false });
    await handle.signal('approve', { actor: admin });
    // Fields the domain's schema refuses: zod's error path, in the zod every workflow shares.
    await handle.signal('pay', { ...payment, fields: { amountCents: -5, reference: ' ' } });
    await handle.signal('pay', { ...payment, requestId: 'req-1' });
    const paid = await status(handle);
    await handle.signal('pay', { ...payment, requestId: 'req-1' });
    await handle.signal('pay', { actor: { role: 'client', id: 'someone-else' }, fields: payment.fields });
    await handle.signal('auto_approve', { actor: webhook });
    await handle.signal('pay', { nonsense: true });
    const after = await status(handle);
    expect({ ...after, transitions: [], updatedAt: '' }).toEqual({ ...paid, transitions: [], updatedAt: '' });
    const refused = after.transitions.filter((e) => e.outcome === 'refused');
    expect(refused.map((e) => [e.action, e.refusal])).toEqual([
      ['approve', 'status_not_allowed'],
      ['pay', 'invalid_fields'],
      ['pay', 'duplicate'],
      ['pay', 'not_party'],
      ['auto_approve', 'unknown_signal'],
      ['pay', 'invalid_signal'],
    ]);
    expect(refused[0]?.reason).toMatch(/only once the invoice is paid/);
    expect(refused[1]?.reason).toMatch(
      /amountCents: must be greater than zero; reference: a payment reference/,
    );
    await handle.signal('cancel', { actor: client });
    expect((await handle.result()).status).toBe('cancelled');
  });
});

describe('checkout workflow: bad input', () => {
  it('fails the workflow at once (non-retryable) with a clear message', async () => {
    const orderId = t.id('bad');
    const handle = await t.env.client.workflow.start('checkoutOrder', {
      args: [{ orderId, clientId: client.id, currency: 'EUR', createdBy: client, items: [], settings: {} }],
      taskQueue: t.taskQueue,
      workflowId: orderWorkflowId(orderId),
    });
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(/settings|items/);
  });
});

describe('checkout workflow: continue-as-new', () => {
  it('a checkout waiting long hands its state to a new run: paid invoice, failed service, audit trail and emails go on', async () => {
    await checkoutHandsOverItsState(t, { historyLimit: 60 });
  });
});

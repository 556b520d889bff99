import type { WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../../../domain';
import {
  listingWorkflowId,
  orderWorkflowId,
  type CheckoutOrderInput,
  type CheckoutSettings,
  type OrderView,
  type SalesOrderInput,
} from '../../../workflows/contract';
import type { checkoutOrder, salesOrder } from '../../../workflows';
import { DAY_MS, statusWhen, type WorkflowTestEnv, status } from './environment';

/** What a scenario needs: a server, the task queues, fresh ids and a panel it can make fail. */
export type StartContext = Pick<WorkflowTestEnv, 'env' | 'taskQueue' | 'provisioningTaskQueue' | 'id'>;
export type ScenarioContext = StartContext & {
  /** Products the simulated panel refuses while listed. */
  readonly failingProducts: Set<string>;
};

/**
 * Representative runs of every workflow, driven from outside as a caller would. The replay test
 * replays their recorded histories (test/histories), so a code change that would break running
 * workflows fails the build; `npm run histories:record` records them again when a change is
 * intended. recorded-scenarios.e2e.test.ts runs them on every test run.
 */

const client: Actor = { role: 'client', id: 'client-1' };
const admin: Actor = { role: 'admin', id: 'admin-1' };
const webhook: Actor = { role: 'system', id: 'payments-webhook' };
const salesperson: Actor = { role: 'salesperson', id: 'sp-1' };
const customer: Actor = { role: 'customer', id: 'cu-1' };
const isv: Actor = { role: 'isv', id: 'isv-1' };
const merchant: Actor = { role: 'merchant', id: 'm-1' };

const payment = { actor: webhook, fields: { amountCents: 2500, reference: 'txn-1' } };

function assertStatus(view: OrderView, expected: string): void {
  if (view.status !== expected) throw new Error(`${view.orderId}: expected ${expected}, got ${view.status}`);
}

/** Starts a checkout of one hosting and one other product; the e2e tests start theirs here too. */
export async function startCheckout(
  t: StartContext,
  settings: Partial<CheckoutSettings> = {},
  hostingProduct = 'vps-small',
  by: Actor = client,
  extra: Partial<CheckoutOrderInput> = {},
): Promise<WorkflowHandle<typeof checkoutOrder>> {
  const orderId = t.id('co');
  const input: CheckoutOrderInput = {
    orderId,
    clientId: by.id,
    currency: 'EUR',
    createdBy: by,
    settings: { autoApprove: true, invoiceDueDays: 30, autoCancelOnExpiry: true, ...settings },
    items: [
      { id: 'host', productId: hostingProduct, productType: 'hosting', quantity: 1, unitPriceCents: 2000 },
      { id: 'ssl', productId: 'ssl-cert', productType: 'other', quantity: 1, unitPriceCents: 500 },
    ],
    provisioning: { taskQueue: t.provisioningTaskQueue, maximumAttempts: 2, initialIntervalMs: 100 },
    ...extra,
  };
  return t.env.client.workflow.start('checkoutOrder', {
    args: [input],
    taskQueue: t.taskQueue,
    workflowId: orderWorkflowId(orderId),
  });
}

/** Starts a sales order of two products; `extra` overrides any input field (parties included). */
export async function startSales(
  t: StartContext,
  extra: Partial<SalesOrderInput> = {},
): Promise<WorkflowHandle<typeof salesOrder>> {
  const orderId = t.id('so');
  const input: SalesOrderInput = {
    orderId,
    salespersonId: salesperson.id,
    customerId: customer.id,
    currency: 'USD',
    createdBy: salesperson,
    items: [
      { id: 'crm', productId: 'crm-suite', productType: 'other', quantity: 1, unitPriceCents: 9900 },
      { id: 'seo', productId: 'seo-pack', productType: 'other', quantity: 1, unitPriceCents: 4900 },
    ],
    provisioning: { taskQueue: t.provisioningTaskQueue, maximumAttempts: 2, initialIntervalMs: 100 },
    ...extra,
  };
  return t.env.client.workflow.start('salesOrder', {
    args: [input],
    taskQueue: t.taskQueue,
    workflowId: orderWorkflowId(orderId),
  });
}

export type Scenario = (t: ScenarioContext) => Promise<WorkflowHandle>;

export const scenarios: Readonly<Record<string, Scenario>> = {
  'checkout-auto-approve': async (t) => {
    const handle = await startCheckout(t, {});
    await handle.signal('pay', payment);
    assertStatus(await handle.result(), 'active');
    return handle;
  },

  'checkout-review-provisioning-retry': async (t) => {
    t.failingProducts.add('vps-flaky');
    const handle = await startCheckout(t, { autoApprove: false }, 'vps-flaky');
    await handle.signal('approve', { actor: admin });
    await handle.signal('pay', { ...payment, requestId: 'pay-1' });
    await handle.signal('pay', { ...payment, requestId: 'pay-1' });
    await handle.signal('approve', { actor: admin });
    await statusWhen(
      () => status(handle),
      (v) => v.services.some((s) => s.status === 'failed'),
    );
    t.failingProducts.delete('vps-flaky');
    await handle.signal('retry', { actor: admin });
    assertStatus(await handle.result(), 'active');
    return handle;
  },

  'checkout-invoice-expired': async (t) => {
    const handle = await startCheckout(t, {});
    assertStatus(await handle.result(), 'cancelled');
    return handle;
  },

  'checkout-overdue-then-paid': async (t) => {
    const handle = await startCheckout(t, { autoCancelOnExpiry: false, invoiceDueDays: 3 });
    await t.env.sleep(4 * DAY_MS);
    await handle.signal('pay', payment);
    assertStatus(await handle.result(), 'active');
    return handle;
  },

  'sales-scheduled-errors-retry-cancellation': async (t) => {
    t.failingProducts.add('seo-pack');
    const handle = await startSales(t, {
      activateAt: new Date((await t.env.currentTimeMs()) + 14 * DAY_MS).toISOString(),
    });
    await handle.signal('send_for_customer_approval', { actor: salesperson });
    await handle.signal('approve', { actor: customer });
    await t.env.sleep(15 * DAY_MS);
    await statusWhen(
      () => status(handle),
      (v) => v.status === 'activation_errors',
    );
    t.failingProducts.delete('seo-pack');
    await handle.signal('retry', { actor: admin });
    await statusWhen(
      () => status(handle),
      (v) => v.status === 'activated',
    );
    await handle.signal('request_cancellation', { actor: customer, fields: { reason: 'closing' } });
    await handle.signal('reject', { actor: admin, fields: { reason: 'contract runs a year' } });
    await handle.signal('request_cancellation', { actor: customer });
    await handle.signal('approve', { actor: admin });
    await handle.signal('archive', { actor: salesperson });
    assertStatus(await handle.result(), 'archived');
    return handle;
  },

  'sales-offer-expired': async (t) => {
    const handle = await startSales(t);
    const expiresAt = new Date((await t.env.currentTimeMs()) + 3 * DAY_MS).toISOString();
    await handle.signal('submit', { actor: salesperson, fields: { expiresAt } });
    await t.env.sleep(4 * DAY_MS);
    assertStatus(await status(handle), 'canceled');
    await handle.signal('archive', { actor: salesperson });
    assertStatus(await handle.result(), 'archived');
    return handle;
  },

  'service-order-changes-requested': async (t) => {
    const orderId = t.id('svc');
    const handle = await t.env.client.workflow.start('serviceOrder', {
      args: [{ orderId, listingId: 'l-1', isvId: isv.id, merchantId: merchant.id, createdBy: merchant }],
      taskQueue: t.taskQueue,
      workflowId: orderWorkflowId(orderId),
    });
    for (const [action, actor, fields] of [
      ['confirm', merchant],
      ['accept', isv],
      ['confirm', merchant],
      ['submit', isv],
      ['reject', merchant, { reason: 'logo too small' }],
      ['submit', isv],
      ['approve', merchant],
    ] as const) {
      await handle.signal(action, { actor, ...(fields ? { fields } : {}) });
    }
    assertStatus(await handle.result(), 'completed');
    return handle;
  },

  'service-listing': async (t) => {
    const listingId = t.id('lst');
    const handle = await t.env.client.workflow.start('serviceListing', {
      args: [{ listingId, isvId: isv.id, name: 'Loyalty mini program', createdBy: isv }],
      taskQueue: t.taskQueue,
      workflowId: listingWorkflowId(listingId),
    });
    for (const [action, actor] of [
      ['submit', isv],
      ['withdraw', isv],
      ['edit', isv],
      ['submit', isv],
      ['approve', admin],
      ['archive', isv],
    ] as const) {
      await handle.signal(action, { actor });
    }
    assertStatus(await handle.result(), 'archived');
    return handle;
  },
};

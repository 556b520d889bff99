import type { EmailTemplate } from '../../activities/contract';
import type { OrderView } from '../../workflows/contract';
import { useWorkflowTestEnv } from './support/environment';
import { scenarios } from './support/scenarios';

/**
 * The scenarios whose histories the replay test replays (test/histories), run as `npm run
 * histories:record` runs them, so a scenario that stops working shows here, not at recording
 * time. After each, Postgres must agree with the `status` query and each email the scenario
 * causes must have arrived over SMTP exactly once.
 */

const expectedEmails: Record<string, readonly EmailTemplate[]> = {
  'checkout-auto-approve': ['order_confirmation', 'payment_receipt', 'welcome', 'welcome'],
  'checkout-review-provisioning-retry': [
    'order_confirmation',
    'payment_receipt',
    'admin_order_awaiting_review',
    'welcome',
    'admin_provisioning_failed',
    'welcome',
  ],
  'checkout-invoice-expired': ['order_confirmation', 'invoice_expired'],
  'checkout-overdue-then-paid': ['order_confirmation', 'payment_receipt', 'welcome', 'welcome'],
  'sales-scheduled-errors-retry-cancellation': [
    'customer_approval_requested',
    'customer_order_activated',
    'admin_cancellation_requested',
    'admin_cancellation_requested',
    'customer_order_canceled',
    'salesperson_order_canceled',
  ],
  'sales-offer-expired': [
    'admin_sales_order_submitted',
    'customer_order_canceled',
    'salesperson_order_canceled',
  ],
  'service-order-changes-requested': [
    'isv_new_service_order',
    'merchant_delivery_awaiting_approval',
    'merchant_delivery_awaiting_approval',
    'service_order_completed',
  ],
  'service-listing': [],
};

const t = useWorkflowTestEnv({ checkProjections: false });

describe('recorded scenarios', () => {
  it('each names the emails it causes', () => {
    expect(Object.keys(expectedEmails).sort()).toEqual(Object.keys(scenarios).sort());
  });

  it.each(Object.keys(scenarios))('%s', async (name) => {
    const handle = await scenarios[name]!({ ...t, failingProducts: t.observed.failingProducts });
    const view = await handle.query<OrderView>('status');
    await t.observed.expectProjectionsAgree();
    expect(t.observed.emailsFor(view.orderId)).toEqual(expectedEmails[name]);
  });
});

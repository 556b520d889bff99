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
  'checkout-auto-approve': ['welcome'],
  'checkout-review-provisioning-retry': [
    'admin_order_awaiting_review',
    'admin_provisioning_failed',
    'welcome',
  ],
  'checkout-invoice-expired': [],
  'checkout-overdue-then-paid': ['welcome'],
  'sales-scheduled-errors-retry-cancellation': [
    'customer_approval_requested',
    'customer_order_activated',
    'admin_cancellation_requested',
  ],
  'sales-offer-expired': [],
  'service-order-changes-requested': ['isv_new_service_order', 'merchant_delivery_awaiting_approval'],
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

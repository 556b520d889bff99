import { ActivityFailure, continueAsNew } from '@temporalio/workflow';
import type { ProvisioningActivities } from '../activities/contract';
import type { OrderView, SalesOrderInput } from './contract';
import { failureMessage, provisioningActivities } from './order/activities';
import { historyFull } from './order/continue-as-new';
import { createState, runOrder } from './order/runtime';
import { now, waitUntil } from './order/timers';
import { SalesOrderState, type ActivationResult, type CarriedSalesOrder } from './state/sales-order';

/**
 * A partner's sales order (seed 001). The salesperson drafts it and sends it to the customer or an
 * admin; while it awaits approval the offer may lapse at its expiry date; once approved it waits
 * for its activation date (if any), then activates each product; products that fail wait for an
 * admin `retry`. Cancellation requests and archiving arrive as signals. Everything the workflow
 * does by itself is a system action decided by the domain like any signal.
 */
export async function salesOrder(input: SalesOrderInput, carried?: CarriedSalesOrder): Promise<OrderView> {
  const order = createState(() => new SalesOrderState(input, now(), carried));
  const runtime = runOrder(order, { kind: 'sales', customerId: input.customerId });
  const provisioning = provisioningActivities(input.provisioning);

  while (!order.finished) {
    if (historyFull(input.historyLimit)) {
      // Between steps (no activity in flight): hand the state to a fresh run, keeping history bounded.
      await runtime.settled();
      return continueAsNew<typeof salesOrder>(input, order.carry());
    }
    const status = order.status;
    const changed = () => order.status !== status || historyFull(input.historyLimit);
    switch (status) {
      case 'awaiting_customer_approval':
      case 'submitted':
      case 'resubmitted':
        // Awaiting approval: the offer lapses at its expiry date.
        if (!(await waitUntil(changed, order.offerExpiresAt))) order.expireOffer(now());
        break;
      case 'approved':
        // The domain says which: scheduled (activation date ahead) or activating now.
        order.system(
          order.may('schedule_activation', now()) ? 'schedule_activation' : 'start_activation',
          now(),
        );
        break;
      case 'scheduled_activation':
        if (!(await waitUntil(changed, order.activateAt))) order.system('start_activation', now());
        break;
      case 'processing':
        await activateProducts(order, input, provisioning);
        break;
      default:
        // Everything else moves by signals only (approve, decline, resubmit, cancel, archive, ...).
        await runtime.until(changed);
    }
  }

  await runtime.settled();
  return order.view();
}

/** Activates the products still to activate, in parallel, and reports them together. */
async function activateProducts(
  order: SalesOrderState,
  input: SalesOrderInput,
  provisioning: ProvisioningActivities,
): Promise<void> {
  const items = order.productsToActivate();
  order.activationStarted(now());
  const results = await Promise.all(
    items.map(async (item): Promise<ActivationResult> => {
      try {
        const { activationId } = await provisioning.activateProduct({
          orderId: input.orderId,
          orderItemId: item.id,
          productId: item.productId,
          customerId: input.customerId,
        });
        return { itemId: item.id, ok: true, activationId };
      } catch (error) {
        if (error instanceof ActivityFailure)
          return { itemId: item.id, ok: false, error: failureMessage(error) };
        throw error;
      }
    }),
  );
  order.activationFinished(results, now());
}

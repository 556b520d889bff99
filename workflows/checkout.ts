import { ActivityFailure, patched } from '@temporalio/workflow';
import type { CheckoutOrderInput, OrderItemInput, OrderView } from './contract';
import { failureMessage, provisioningActivities } from './order/activities';
import { createState, runOrder, type OrderRuntime } from './order/runtime';
import { now, waitUntil } from './order/timers';
import { CheckoutState, type ProvisioningResult } from './state/checkout';

/** Runs started before it took any amount as payment of the invoice (see README, patching). */
export const PAYMENT_COVERS_INVOICE_PATCH = 'payment-covers-invoice';

/**
 * A hosting checkout (seed 002), top to bottom: the order is placed with its invoice; it waits for
 * payment, a cancel or a reject until the invoice's due date; once paid it is approved
 * automatically or by an admin; an active order provisions one service per item and welcomes the
 * client. Every transition is asked of the domain (`decide`), signals and system actions alike.
 */
export async function checkoutOrder(input: CheckoutOrderInput): Promise<OrderView> {
  const paymentCoversInvoice = patched(PAYMENT_COVERS_INVOICE_PATCH);
  const order = createState(() => new CheckoutState(input, now(), { paymentCoversInvoice }));
  const runtime = runOrder(order, { kind: 'checkout', customerId: input.clientId });

  // The invoice exists from creation. Unpaid at its due date: auto-cancel, or leave it overdue.
  const paidOrDecided = () => order.invoicePaid || order.decided;
  if (!(await waitUntil(paidOrDecided, order.invoiceDueAt))) {
    if (input.settings.autoCancelOnExpiry) order.system('expire_invoice', now());
    else order.markOverdue(now());
  }

  // Paid: approve at once with auto-approve on; otherwise an admin reviews (the state emailed them).
  await runtime.until(paidOrDecided);
  if (!order.decided && input.settings.autoApprove) order.system('auto_approve', now());
  await runtime.until(() => order.decided);

  // Active: one service per item, provisioned in parallel; failures wait for an admin `retry`.
  if (order.status === 'active') await provisionServices(order, input, runtime);

  await runtime.settled();
  return order.view();
}

async function provisionServices(
  order: CheckoutState,
  input: CheckoutOrderInput,
  runtime: OrderRuntime,
): Promise<void> {
  const provisioning = provisioningActivities(input.provisioning);
  const inFlight = new Set<string>();

  const provision = async (serviceId: string, item: OrderItemInput): Promise<ProvisioningResult> => {
    // Only hosting products have an account to create; the others are active at once.
    if (item.productType !== 'hosting') return { ok: true };
    try {
      const { accountId } = await provisioning.createAccount({
        orderId: input.orderId,
        serviceId,
        orderItemId: item.id,
        productId: item.productId,
        clientId: input.clientId,
      });
      return { ok: true, accountId };
    } catch (error) {
      if (error instanceof ActivityFailure) return { ok: false, error: failureMessage(error) };
      throw error;
    }
  };

  const waiting = () => order.servicesToProvision().filter((s) => !inFlight.has(s.serviceId));
  while (!order.allServicesActive) {
    await runtime.until(() => order.allServicesActive || waiting().length > 0);
    for (const { serviceId, item } of waiting()) {
      inFlight.add(serviceId);
      order.provisioningStarted(serviceId, now());
      void provision(serviceId, item).then((result) => {
        inFlight.delete(serviceId);
        order.provisioned(serviceId, result, now());
      });
    }
  }
}

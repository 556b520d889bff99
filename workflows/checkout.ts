import { ActivityFailure, continueAsNew } from '@temporalio/workflow';
import type { CheckoutOrderInput, OrderItemInput, OrderView } from './contract';
import { failureMessage, provisioningActivities } from './order/activities';
import { historyFull } from './order/continue-as-new';
import { createState, runOrder, type OrderRuntime } from './order/runtime';
import { now, waitUntil } from './order/timers';
import { CheckoutState, type CarriedCheckoutOrder, type ProvisioningResult } from './state/checkout';

/**
 * A hosting checkout (seed 002), top to bottom: the order is placed with its invoice; it waits for
 * payment, a cancel or a reject until the invoice's due date; once paid it is approved
 * automatically or by an admin; an active order provisions one service per item and welcomes the
 * client. Every transition is asked of the domain (`decide`), signals and system actions alike.
 */
export async function checkoutOrder(
  input: CheckoutOrderInput,
  carried?: CarriedCheckoutOrder,
): Promise<OrderView> {
  const order = createState(() => new CheckoutState(input, now(), carried));
  const runtime = runOrder(order, { kind: 'checkout', customerId: input.clientId });
  // A run that waits long (overdue, under review, a service awaiting `retry`) and keeps receiving
  // signals hands its state to a fresh run at a wait, keeping its history bounded. Each step
  // below is a no-op when a previous run already took it.
  const full = () => historyFull(input.historyLimit);
  const handOver = async () => {
    await runtime.settled();
    return continueAsNew<typeof checkoutOrder>(input, order.carry());
  };

  // The invoice exists from creation. Unpaid at its due date: auto-cancel, or leave it overdue.
  const paidOrDecided = () => order.invoicePaid || order.decided;
  if (!(await waitUntil(() => paidOrDecided() || full(), order.invoiceDueAt))) {
    if (input.settings.autoCancelOnExpiry) order.system('expire_invoice', now());
    else order.markOverdue(now());
  }

  // Paid: approve at once with auto-approve on; otherwise an admin reviews (the state emailed them).
  await runtime.until(() => paidOrDecided() || full());
  if (!paidOrDecided()) return handOver();
  if (!order.decided && input.settings.autoApprove) order.system('auto_approve', now());
  await runtime.until(() => order.decided || full());
  if (!order.decided) return handOver();

  // Active: one service per item, provisioned in parallel; failures wait for an admin `retry`.
  if (order.status === 'active' && (await provisionServices(order, input, runtime, full)) === 'full') {
    return handOver();
  }

  await runtime.settled();
  return order.view();
}

/** Provisions until every service is active; 'full' when the history is full between attempts. */
async function provisionServices(
  order: CheckoutState,
  input: CheckoutOrderInput,
  runtime: OrderRuntime,
  full: () => boolean,
): Promise<'done' | 'full'> {
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
  // Only with nothing in flight: a provisioning result must land in the run that asked for it.
  const idleAndFull = () => inFlight.size === 0 && full();
  while (!order.allServicesActive) {
    await runtime.until(() => order.allServicesActive || waiting().length > 0 || idleAndFull());
    if (!order.allServicesActive && waiting().length === 0 && idleAndFull()) return 'full';
    for (const { serviceId, item } of waiting()) {
      inFlight.add(serviceId);
      order.provisioningStarted(serviceId, now());
      void provision(serviceId, item).then((result) => {
        inFlight.delete(serviceId);
        order.provisioned(serviceId, result, now());
      });
    }
  }
  return 'done';
}

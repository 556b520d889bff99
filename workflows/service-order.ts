import { continueAsNew } from '@temporalio/workflow';
import type { OrderView, ServiceOrderInput } from './contract';
import { historyFull } from './order/continue-as-new';
import { createState, runOrder } from './order/runtime';
import { now } from './order/timers';
import type { CarriedOrder } from './state/base';
import { ServiceOrderState } from './state/service-order';
import type { ServiceOrder } from '../domain';

/**
 * A merchant's service order (seed 000): the ISV is told of the new order, then accepts or rejects
 * it; the merchant confirms; the ISV develops and submits (the merchant is told) or cancels; the
 * merchant approves or sends it back. Every step is a signal decided by the domain; the workflow
 * ends when the order is completed or canceled.
 */
export async function serviceOrder(
  input: ServiceOrderInput,
  carried?: CarriedOrder<ServiceOrder>,
): Promise<OrderView> {
  const order = createState(() => new ServiceOrderState(input, now(), carried));
  const runtime = runOrder(order, { kind: 'service', customerId: input.merchantId });
  await runtime.until(() => order.finished || historyFull(input.historyLimit));
  await runtime.settled();
  // A long-lived order hands over to a fresh run with its state, keeping the history bounded.
  if (!order.finished) return continueAsNew<typeof serviceOrder>(input, order.carry());
  return order.view();
}

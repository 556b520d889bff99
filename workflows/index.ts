// The worker's workflowsPath: every workflow type the `orders` task queue runs, each in the scope
// that turns a Temporal cancellation request into the lifecycle's own `cancel` (order/runtime.ts).
import { checkoutOrder as checkout } from './checkout';
import { orderWorkflow } from './order/runtime';
import { salesOrder as sales } from './sales-order';
import { serviceListing as listing } from './service-listing';
import { serviceOrder as service } from './service-order';

export const checkoutOrder = orderWorkflow(checkout);
export const serviceOrder = orderWorkflow(service);
export const salesOrder = orderWorkflow(sales);
export const serviceListing = orderWorkflow(listing);

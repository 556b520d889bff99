// The worker's workflowsPath: every workflow type the `orders` task queue runs.
export { checkoutOrder } from './checkout';
export { serviceOrder } from './service-order';
export { salesOrder } from './sales-order';
export { serviceListing } from './service-listing';

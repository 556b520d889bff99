import { checkoutLifecycle, checkoutServiceLifecycle } from './checkout';
import { salesOrderLifecycle } from './sales-order';
import { serviceListingLifecycle } from './service-listing';
import { serviceOrderLifecycle } from './service-order';

/** Every lifecycle of the product, in the order the docs show them. */
export const lifecycles = [
  checkoutLifecycle,
  checkoutServiceLifecycle,
  serviceOrderLifecycle,
  serviceListingLifecycle,
  salesOrderLifecycle,
] as const;

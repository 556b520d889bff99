import { continueAsNew } from '@temporalio/workflow';
import type { OrderView, ServiceListingInput } from './contract';
import { historyFull } from './order/continue-as-new';
import { createState, runOrder } from './order/runtime';
import { now } from './order/timers';
import type { CarriedOrder } from './state/base';
import { ServiceListingState } from './state/service-listing';
import type { ServiceListing } from '../domain';

/**
 * An ISV's service listing (seed 000): drafted, submitted for review, approved (online) or turned
 * down, withdrawn, edited back to draft, and finally archived, which ends the workflow.
 */
export async function serviceListing(
  input: ServiceListingInput,
  carried?: CarriedOrder<ServiceListing>,
): Promise<OrderView> {
  const listing = createState(() => new ServiceListingState(input, now(), carried));
  const runtime = runOrder(listing, { kind: 'listing', customerId: input.isvId });
  await runtime.until(() => listing.finished || historyFull(input.historyLimit));
  await runtime.settled();
  // An online listing lives for years: it hands over to a fresh run to keep the history bounded.
  if (!listing.finished) return continueAsNew<typeof serviceListing>(input, listing.carry());
  return listing.view();
}

import { serviceListingLifecycle, type ServiceListing } from '../../domain';
import type { OrderView, ServiceListingInput } from '../contract';
import { OrderState, requireInput, type CarriedOrder } from './base';

type ListingActions = (typeof serviceListingLifecycle)['actions'];

export function validateListingInput(input: ServiceListingInput): void {
  for (const key of ['listingId', 'isvId', 'name'] as const) {
    requireInput(typeof input?.[key] === 'string' && input[key].length > 0, `${key} is required`);
  }
  requireInput(
    input.priceCents === undefined || (Number.isInteger(input.priceCents) && input.priceCents >= 0),
    'priceCents must be a whole number of cents >= 0',
  );
}

/** An ISV's service listing (seed 000): draft, review, online, archived. Projected as kind `listing`. */
export class ServiceListingState extends OrderState<ServiceListing, ListingActions> {
  readonly orderId: string;

  constructor(
    readonly input: ServiceListingInput,
    now: Date,
    carried?: CarriedOrder<ServiceListing>,
  ) {
    validateListingInput(input);
    super(
      serviceListingLifecycle,
      { status: 'draft', isvId: input.isvId },
      input.createdBy,
      now,
      [],
      carried,
    );
    this.orderId = input.listingId;
  }

  carry(): CarriedOrder<ServiceListing> {
    return this.carryOrder();
  }

  get finished(): boolean {
    return this.machine.isTerminal;
  }

  view(): OrderView {
    return {
      orderId: this.orderId,
      kind: 'listing',
      status: this.status,
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      ...(this.previousStatus !== undefined ? { previousStatus: this.previousStatus } : {}),
      parties: { isvId: this.input.isvId },
      listingId: this.input.listingId,
      items: [],
      totalCents: this.input.priceCents ?? 0,
      currency: this.input.currency ?? '',
      archived: this.status === 'archived',
      services: [],
      transitions: [...this.entries],
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}

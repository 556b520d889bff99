import { serviceOrderLifecycle, type ServiceOrder } from '../../domain';
import type { OrderView, ServiceOrderInput } from '../contract';
import { OrderState, requireInput, type AnyOutcome, type CarriedOrder } from './base';

type ServiceOrderActions = (typeof serviceOrderLifecycle)['actions'];

export function validateServiceOrderInput(input: ServiceOrderInput): void {
  for (const key of ['orderId', 'listingId', 'isvId', 'merchantId'] as const) {
    requireInput(typeof input?.[key] === 'string' && input[key].length > 0, `${key} is required`);
  }
}

/** A merchant's order of an ISV's service (seed 000): the ISV is told at once, the merchant on delivery. */
export class ServiceOrderState extends OrderState<ServiceOrder, ServiceOrderActions> {
  readonly orderId: string;

  constructor(
    readonly input: ServiceOrderInput,
    now: Date,
    carried?: CarriedOrder<ServiceOrder>,
  ) {
    validateServiceOrderInput(input);
    super(
      serviceOrderLifecycle,
      { status: 'new_order', isvId: input.isvId, merchantId: input.merchantId },
      input.createdBy,
      now,
      [],
      carried,
    );
    this.orderId = input.orderId;
    if (carried) return;
    this.email({
      template: 'isv_new_service_order',
      to: { partyId: input.isvId },
      data: { listingId: input.listingId },
    });
  }

  carry(): CarriedOrder<ServiceOrder> {
    return this.carryOrder();
  }

  get finished(): boolean {
    return this.machine.isTerminal;
  }

  protected override afterAccepted(outcome: AnyOutcome & { ok: true }): void {
    const isv = { partyId: this.input.isvId };
    const merchant = { partyId: this.input.merchantId };
    if (outcome.action === 'submit') {
      // A rejected delivery comes back: each submission is its own email.
      this.email({
        template: 'merchant_delivery_awaiting_approval',
        to: merchant,
        key: String(this.entries.length),
        data: { listingId: this.input.listingId },
      });
    }
    if (outcome.to === 'completed') {
      this.email({ template: 'service_order_completed', to: isv, data: { listingId: this.input.listingId } });
    }
    if (outcome.to === 'canceled') {
      // Told to the other side: the ISV canceled (reject, cancel), or the merchant did.
      const byIsv = outcome.entry.actor.role === 'isv';
      this.email({
        template: 'service_order_canceled',
        to: byIsv ? merchant : isv,
        data: {
          listingId: this.input.listingId,
          canceledBy: byIsv ? 'the ISV' : 'the merchant',
          reason: outcome.entry.reason ?? null,
        },
      });
    }
  }

  /** The ordered listing as the order's one line. */
  private items(): OrderView['items'] {
    return [
      {
        id: `${this.orderId}-item-1`,
        productId: this.input.listingId,
        ...(this.input.listingName !== undefined ? { productName: this.input.listingName } : {}),
        productType: 'other',
        quantity: 1,
        unitPriceCents: this.input.priceCents ?? 0,
      },
    ];
  }

  view(): OrderView {
    return {
      orderId: this.orderId,
      kind: 'service',
      status: this.status,
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      ...(this.previousStatus !== undefined ? { previousStatus: this.previousStatus } : {}),
      parties: { isvId: this.input.isvId, merchantId: this.input.merchantId },
      listingId: this.input.listingId,
      items: this.items(),
      totalCents: this.input.priceCents ?? 0,
      currency: this.input.currency ?? '',
      archived: false,
      services: [],
      transitions: [...this.entries],
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}

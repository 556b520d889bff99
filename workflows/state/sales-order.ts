import {
  isStorableTime,
  OFFER_EXPIRED_REASON,
  salesApprovalRouteByAction,
  salesOrderLifecycle,
  toTime,
  type SalesOrder,
} from '../../domain';
import type { OrderItemInput, OrderView, SalesOrderInput, ServiceView } from '../contract';
import type { FactsUpdate } from '../order/machine';
import { OrderState, requireInput, type AnyOutcome, type CarriedOrder } from './base';
import { totalCents, validateItems } from './items';

type SalesActions = (typeof salesOrderLifecycle)['actions'];

/** Where one product of the order stands in activation. */
export type ProductStatus = 'pending' | 'activated' | 'failed';

export type ActivationResult =
  | { readonly itemId: string; readonly ok: true; readonly activationId: string }
  | { readonly itemId: string; readonly ok: false; readonly error: string };

interface ProductState {
  status: ProductStatus;
  activationId?: string;
  lastError?: string;
  attempts: number;
}

interface ProductRecord extends ProductState {
  readonly item: OrderItemInput;
}

/** A sales order handed to the next run (continue-as-new). */
export interface CarriedSalesOrder extends CarriedOrder<SalesOrder> {
  readonly products: readonly (ProductState & { readonly itemId: string })[];
}

const optionalInstant = (value: string | null | undefined, what: string): void => {
  if (value == null) return;
  requireInput(
    typeof value === 'string' && isStorableTime(Date.parse(value)),
    `${what} must be an ISO instant between years 0001 and 9999`,
  );
};

export function validateSalesInput(input: SalesOrderInput): void {
  requireInput(typeof input?.orderId === 'string' && input.orderId.length > 0, 'orderId is required');
  requireInput(
    typeof input.salespersonId === 'string' && input.salespersonId.length > 0,
    'salespersonId is required',
  );
  requireInput(typeof input.customerId === 'string' && input.customerId.length > 0, 'customerId is required');
  requireInput(typeof input.currency === 'string' && input.currency.length > 0, 'currency is required');
  optionalInstant(input.activateAt, 'activateAt');
  optionalInstant(input.expiresAt, 'expiresAt');
  validateItems(input.items);
}

/** A partner's sales order (seed 001): approval route, offer expiry, scheduled activation, per-product activation. */
export class SalesOrderState extends OrderState<SalesOrder, SalesActions> {
  readonly orderId: string;
  private readonly products: ProductRecord[];

  /** `carried` restores a previous run's order (continue-as-new) instead of drafting a new one. */
  constructor(
    readonly input: SalesOrderInput,
    now: Date,
    carried?: CarriedSalesOrder,
  ) {
    validateSalesInput(input);
    super(
      salesOrderLifecycle,
      {
        status: 'draft',
        salespersonId: input.salespersonId,
        customerId: input.customerId,
        activateAt: input.activateAt ?? null,
        expiresAt: input.expiresAt ?? null,
      },
      input.createdBy,
      now,
      [],
      carried,
    );
    this.orderId = input.orderId;
    this.products = input.items.map((item) => {
      const before = carried?.products.find((p) => p.itemId === item.id);
      return before ? { ...before, item } : { item, status: 'pending', attempts: 0 };
    });
  }

  /** Everything the next run needs to go on where this one stopped. */
  carry(): CarriedSalesOrder {
    return {
      ...this.carryOrder(),
      products: this.products.map(({ item, ...product }) => ({ ...product, itemId: item.id })),
    };
  }

  get finished(): boolean {
    return this.machine.isTerminal;
  }

  /** Offer expiry, epoch ms, when one is set. */
  get offerExpiresAt(): number | undefined {
    const at = this.machine.current.expiresAt;
    return at == null ? undefined : toTime(at, 'expiresAt');
  }

  /** Scheduled activation, epoch ms, when one is set. */
  get activateAt(): number | undefined {
    const at = this.machine.current.activateAt;
    return at == null ? undefined : toTime(at, 'activateAt');
  }

  /** Products still to activate (all at first; after a retry, the ones that failed). */
  productsToActivate(): OrderItemInput[] {
    return this.products.filter((p) => p.status === 'pending').map((p) => p.item);
  }

  activationStarted(now: Date): void {
    for (const product of this.products) if (product.status === 'pending') product.attempts += 1;
    this.touched(now);
  }

  /** Every product of the round answered: activated, or activation_errors with the reason per product. */
  activationFinished(results: readonly ActivationResult[], now: Date): AnyOutcome {
    for (const result of results) {
      const product = this.products.find((p) => p.item.id === result.itemId);
      if (!product) throw new Error(`sales order ${this.orderId} has no item ${result.itemId}`);
      if (result.ok) {
        product.status = 'activated';
        product.activationId = result.activationId;
        product.lastError = undefined;
      } else {
        product.status = 'failed';
        product.lastError = result.error;
      }
    }
    const failed = this.products.filter((p) => p.status === 'failed');
    if (failed.length === 0) return this.system('activate', now);
    return this.system('fail_activation', now, {
      errors: failed.map((p) => ({ productId: p.item.productId, reason: p.lastError as string })),
    });
  }

  /** The offer lapsed while awaiting approval. */
  expireOffer(now: Date): AnyOutcome {
    return this.system('expire_offer', now, { reason: OFFER_EXPIRED_REASON });
  }

  protected override factsFor(action: string, fields: unknown, order: SalesOrder): FactsUpdate<SalesOrder> {
    const offer = fields as { expiresAt?: string };
    switch (action) {
      case 'send_for_customer_approval':
      case 'submit':
        return {
          approvalRoute: salesApprovalRouteByAction[action],
          ...(offer.expiresAt !== undefined ? { expiresAt: offer.expiresAt } : {}),
        };
      case 'resubmit':
        return offer.expiresAt !== undefined ? { expiresAt: offer.expiresAt } : {};
      case 'request_cancellation':
        return { previousStatus: order.status };
      default:
        return {};
    }
  }

  protected override afterAccepted(outcome: AnyOutcome & { ok: true }, _now: Date): void {
    const customer = { partyId: this.input.customerId };
    const salesperson = { partyId: this.input.salespersonId };
    const reason = outcome.entry.reason ?? null;
    // Emails an order can send more than once (each decline, submission, ...) are told apart by
    // the entry's position in the order's history.
    const occurrence = String(this.entries.length);
    if (outcome.action === 'send_for_customer_approval') {
      this.email({ template: 'customer_approval_requested', to: customer });
    }
    if (outcome.action === 'submit' || outcome.action === 'resubmit') {
      this.email({
        template: 'admin_sales_order_submitted',
        to: { admins: true },
        key: occurrence,
        data: { action: outcome.action },
      });
    }
    if (outcome.to === 'declined') {
      const declinedBy = outcome.entry.actor.role === 'customer' ? 'the customer' : 'an admin';
      this.email({
        template: 'salesperson_order_declined',
        to: salesperson,
        key: occurrence,
        data: { reason, declinedBy },
      });
    }
    if (outcome.action === 'request_cancellation') {
      this.email({
        template: 'admin_cancellation_requested',
        to: { admins: true },
        key: occurrence,
        data: { reason, requestedBy: `${outcome.entry.actor.role} ${outcome.entry.actor.id}` },
      });
    }
    if (outcome.action === 'activate') this.email({ template: 'customer_order_activated', to: customer });
    if (outcome.to === 'canceled' && outcome.from !== 'canceled') {
      const why = { reason: reason ?? this.statusReason ?? null };
      this.email({ template: 'customer_order_canceled', to: customer, data: why });
      this.email({ template: 'salesperson_order_canceled', to: salesperson, data: why });
    }
    if (outcome.action === 'retry') {
      for (const product of this.products) if (product.status === 'failed') product.status = 'pending';
    }
  }

  view(): OrderView {
    const input = this.input;
    const order = this.machine.current;
    const services: ServiceView[] = this.products.map((p) => ({
      id: `${this.orderId}-${p.item.id}`,
      orderItemId: p.item.id,
      productId: p.item.productId,
      status: p.status,
      ...(p.activationId !== undefined ? { externalAccountId: p.activationId } : {}),
      ...(p.lastError !== undefined ? { lastError: p.lastError } : {}),
      attempts: p.attempts,
    }));
    return {
      orderId: this.orderId,
      kind: 'sales',
      status: this.status,
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      ...(this.previousStatus !== undefined ? { previousStatus: this.previousStatus } : {}),
      ...(order.approvalRoute ? { approvalRoute: order.approvalRoute } : {}),
      parties: { salespersonId: input.salespersonId, customerId: input.customerId },
      items: input.items,
      totalCents: totalCents(input.items),
      currency: input.currency,
      ...(order.activateAt != null
        ? { activateAt: new Date(toTime(order.activateAt, 'activateAt')).toISOString() }
        : {}),
      ...(order.expiresAt != null
        ? { expiresAt: new Date(toTime(order.expiresAt, 'expiresAt')).toISOString() }
        : {}),
      archived: this.status === 'archived',
      services,
      transitions: [...this.entries],
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}
